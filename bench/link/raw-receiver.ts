// Receiver of the raw-socket baseline: a node:net server that parses every frame.
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { runWorker } from '../common/worker.js';
import type { EchoFrame, ReceiverConfig } from './link-bench.types.js';
import { encodeJsonFrame, JsonFrameReader } from './raw-framing.js';
import { ThroughputSink } from './throughput-sink.js';

runWorker<ReceiverConfig>(async (channel) => {
  const { config } = channel;
  const sink = new ThroughputSink(config.count);
  channel.whenSenderDone((count) => sink.expect(count));
  const sockets = new Set<Socket>();

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new JsonFrameReader(
      config.mode === 'sink'
        ? (value) => sink.accept(value)
        : (value) => {
            const request = value as EchoFrame;
            socket.write(encodeJsonFrame({ id: request.id, payload: request.payload } satisfies EchoFrame));
          },
    );
    // The answers to one read leave in one write, as a mesh link batches them.
    socket.on('data', (chunk: Buffer) => {
      socket.cork();
      reader.push(chunk);
      socket.uncork();
    });
  });
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  await channel.report({ type: 'ready', port: (server.address() as AddressInfo).port });

  if (config.mode === 'sink') {
    await Promise.race([sink.done, channel.stopped]);
    await channel.report({ type: 'result', result: sink.result() });
  }
  await channel.stopped;
  server.close();
  for (const socket of sockets) socket.destroy();
});
