// Sender of the raw-socket baseline: the same payloads as the mesh sender, JSON over node:net.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { ProcessMeter } from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import { callState } from './call-state.js';
import type { EchoFrame, SenderConfig, ThroughputSenderResult } from './link-bench.types.js';
import { MESH_DEFAULTS } from '../../src/mesh/mesh-config.js';
import { encodeJsonFrame, JsonFrameReader } from './raw-framing.js';
import { pipelined } from './pipelined.js';
import { roundTrips } from './round-trips.js';

/** The unsent bytes at which a mesh link starts waiting for drain: the same for this socket. */
const HIGH_WATER_BYTES = MESH_DEFAULTS.highWaterBytes;

runWorker<SenderConfig>(async (channel) => {
  const { config } = channel;
  const socket = connect({ host: '127.0.0.1', port: config.port, noDelay: true });
  await once(socket, 'connect');
  const result =
    config.mode === 'throughput'
      ? await stream(socket, config)
      : config.mode === 'pipelined'
        ? await pipelined(config, echoRequester(socket, true))
        : await roundTrips(echoRequester(socket), config);
  await channel.report({ type: 'result', result });
  await channel.stopped;
  socket.destroy();
});

/**
 * Writes frames corked, one batch per tick, as a mesh link does: up to the same high-water mark,
 * then uncorks on the next tick and waits for the socket to drain.
 */
async function stream(socket: Socket, config: SenderConfig): Promise<ThroughputSenderResult> {
  const deadline = performance.now() + config.timeLimitMs;
  const meter = new ProcessMeter();
  let sent = 0;
  while (sent < config.count && performance.now() < deadline) {
    socket.cork();
    while (sent < config.count && socket.writableLength < HIGH_WATER_BYTES) {
      socket.write(encodeJsonFrame(callState(sent)));
      sent++;
    }
    process.nextTick(() => socket.uncork());
    if (socket.writableLength >= HIGH_WATER_BYTES) await once(socket, 'drain');
  }
  return { sent, ...meter.stop() };
}

/**
 * Requests over the socket: writes `{id, payload}` and settles when the echo with that id arrives;
 * any number may be outstanding. `corked`: the writes of one tick go out in one batch, as a mesh
 * link sends them.
 */
function echoRequester(socket: Socket, corked = false): (id: number) => Promise<void> {
  const waiting = new Map<number, () => void>();
  const reader = new JsonFrameReader((value) => {
    const answer = value as EchoFrame;
    const resolve = waiting.get(answer.id);
    if (!resolve) throw new Error(`echo ${answer.id} answers no request`);
    waiting.delete(answer.id);
    resolve();
  });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  let corkedThisTick = false;
  const uncork = () => {
    corkedThisTick = false;
    socket.uncork();
  };
  return (id) =>
    new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      if (corked && !corkedThisTick) {
        corkedThisTick = true;
        socket.cork();
        process.nextTick(uncork);
      }
      socket.write(encodeJsonFrame({ id, payload: callState(id) } satisfies EchoFrame));
    });
}
