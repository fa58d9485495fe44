// Sender of the Nest microservices peer: a TCP `ClientProxy`, `emit` for throughput, `send` for requests.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { type ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import { ProcessMeter } from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import { MESH_DEFAULTS } from '../../src/mesh/mesh-config.js';
import { CALL_STATE_TOPIC, callState, ECHO_TOPIC, REQUEST_TIMEOUT_MS } from './call-state.js';
import type { SenderConfig, ThroughputSenderResult } from './link-bench.types.js';
import { pipelined } from './pipelined.js';
import { roundTrips } from './round-trips.js';

/** The unsent bytes at which a mesh link starts waiting for drain: the same for Nest's socket. */
const HIGH_WATER_BYTES = MESH_DEFAULTS.highWaterBytes;

runWorker<SenderConfig>(async (channel) => {
  const { config } = channel;
  if (config.mode === 'setup') throw new Error('link setup runs on mesh stacks only');
  const client = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: config.port },
  });
  // Connected before the measuring starts, as the mesh sender's link is.
  await client.connect();
  const result =
    config.mode === 'throughput'
      ? await stream(client, config)
      : config.mode === 'pipelined'
        ? await pipelined(config, (id) => echo(client, id))
        : await roundTrips((id) => echo(client, id), config);
  await channel.report({ type: 'result', result });
  await channel.stopped;
  client.close();
});

/**
 * `emit` gives no backpressure: its observable completes once `socket.write` was called (the
 * frame is queued, not sent), whatever `write` returned. Awaiting it alone never yields to the
 * event loop, so everything would pile up in the socket's buffer (Nest destroys the socket beyond
 * 128 MiB). So the loop awaits every `emit`, as the mesh sender awaits every `send`, and then,
 * like a mesh link, waits for `drain` while 1 MiB or more is unsent on the client's own socket
 * (`unwrap()`, Nest's public access to it).
 */
async function stream(client: ClientProxy, config: SenderConfig): Promise<ThroughputSenderResult> {
  const socket = client.unwrap<Socket>();
  const deadline = performance.now() + config.timeLimitMs;
  const meter = new ProcessMeter();
  let sent = 0;
  while (sent < config.count && ((sent & 1023) !== 0 || performance.now() < deadline)) {
    await lastValueFrom(client.emit(CALL_STATE_TOPIC, callState(sent)));
    sent++;
    if (socket.writableLength >= HIGH_WATER_BYTES) await once(socket, 'drain');
  }
  return { sent, ...meter.stop() };
}

/** Request `id` to the echo handler; checks that the answer is its own. */
async function echo(client: ClientProxy, id: number): Promise<void> {
  const answer = await lastValueFrom(
    client.send<unknown>(ECHO_TOPIC, callState(id)).pipe(timeout(REQUEST_TIMEOUT_MS)),
  );
  if ((answer as { ts?: unknown } | null)?.ts !== callState(id).ts) throw new Error(`wrong answer to ${id}`);
}
