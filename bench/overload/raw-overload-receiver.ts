// Receiver of the raw-socket baseline: parses every frame as it arrives and calls the slow handler.
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { runWorker } from '../common/worker.js';
import { JsonFrameReader } from '../link/raw-framing.js';
import { ThroughputSink } from '../link/throughput-sink.js';
import type { OverloadReceiverConfig } from './overload.types.js';
import { reportWhenDrained } from './receiver-drain.js';
import { SlowConsumer } from './slow-consumer.js';

runWorker<OverloadReceiverConfig>(async (channel) => {
  const sink = new ThroughputSink(Number.MAX_SAFE_INTEGER);
  const consumer = new SlowConsumer(channel.config.handler, sink);
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // As typical code does: the handler's promise is not awaited and reading never pauses.
    const reader = new JsonFrameReader((value) => void consumer.handle(value));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  });
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  await channel.report({ type: 'ready', port: (server.address() as AddressInfo).port });
  await reportWhenDrained(channel, sink, consumer);
  await channel.stopped;
  server.close();
  for (const socket of sockets) socket.destroy();
});
