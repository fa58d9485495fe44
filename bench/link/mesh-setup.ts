// Link setups: a mesh node dials the receiver's node, waits for the link, closes it, and again.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { deriveMeshKey } from '../../src/mesh/handshake/mesh-key.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { summarizeLatencies } from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import type { SenderConfig, SetupResult } from './link-bench.types.js';
import { linkTo, startMeshNode } from './mesh-node.js';

/** Calls of the key derivation, one after the other. */
const KEY_DERIVATIONS = 10;
/** Setups before the measured ones. */
const WARMUP_SETUPS = 5;
/** Failed setups after which the run fails. */
const MAX_FAILED = 10;
/** Longest wait for the connections of a closed link to close (the link destroys them after 1 s). */
const CLOSE_LIMIT_MS = 2_000;
/** Upper bound of one setup. */
const SETUP_LIMIT_MS = 10_000;

runWorker<SenderConfig>(async (channel) => {
  const { config } = channel;
  if (!config.mesh) throw new Error('the setup sender needs a mesh node configuration');
  const keyDerivationMs: number[] = [];
  for (let i = 0; i < KEY_DERIVATIONS; i++) {
    const start = performance.now();
    await deriveMeshKey('bench-mesh', 'bench-password');
    keyDerivationMs.push(performance.now() - start);
  }
  const app = await startMeshNode(config.mesh);
  // Every setup ends with 'link down' warnings on both sides: expected.
  app.useLogger(['error']);
  const link = app.get(LinkService);
  const target = { host: '127.0.0.1', port: config.port };
  const connections = new ConnectionsTo(config.port);
  const samples = new Float64Array(config.count);
  const deadline = performance.now() + config.timeLimitMs;
  let transport: SetupResult['transport'];
  const anomalies = { failed: 0, slowClose: 0 };
  /**
   * One setup: dial, wait for the link, close it, wait until both ends are closed. Resolves with
   * the time until the link was up, or undefined when the attempt failed (counted).
   */
  const setUp = async () => {
    const dialled = performance.now();
    let upMs: number | undefined;
    try {
      transport = await linkTo(app, config.port, SETUP_LIMIT_MS, true);
      upMs = performance.now() - dialled;
    } catch {
      anomalies.failed++;
    }
    link.disconnect(target, 'closed');
    // Also a link the peer dialled back (it registered this node at the first link).
    for (const { nodeId } of link.linkedNodes()) link.closeLink(nodeId, 'closed');
    if (!(await connections.closed(CLOSE_LIMIT_MS))) anomalies.slowClose++;
    return upMs;
  };
  // The first link also registers the peer on both nodes (a database write): not timed.
  for (let i = 0; i < WARMUP_SETUPS; i++) await setUp();
  anomalies.failed = anomalies.slowClose = 0;
  let setups = 0;
  const start = performance.now();
  while (setups < config.count && performance.now() < deadline) {
    const upMs = await setUp();
    if (upMs !== undefined) samples[setups++] = upMs;
    if (anomalies.failed > MAX_FAILED) throw new Error(`${anomalies.failed} link setups failed`);
  }
  const seconds = (performance.now() - start) / 1000;
  await channel.report({
    type: 'result',
    result: {
      setups,
      seconds,
      setupsPerSecond: setups / seconds,
      setupMs: summarizeLatencies(samples.subarray(0, setups)),
      keyDerivationMs,
      ...anomalies,
      transport,
    } satisfies SetupResult,
  });
  await channel.stopped;
  await app.close();
});

/**
 * This process's TCP connections to `port`, whichever part of the node opened them (the dial of
 * `connect`, or one the node's registry started when it learned the peer). Other connections, e.g.
 * to the database, are passed over.
 */
class ConnectionsTo {
  private readonly open = new Set<Socket>();
  private waiters: Array<() => void> = [];

  constructor(port: number) {
    subscribe('net.client.socket', (message: unknown) => {
      const { socket } = message as { socket: Socket };
      socket.once('connect', () => {
        if (socket.remotePort !== port) return;
        this.open.add(socket);
        socket.once('close', () => {
          this.open.delete(socket);
          if (this.open.size === 0) for (const wake of this.waiters.splice(0)) wake();
        });
      });
    });
  }

  /**
   * Settles when every connection has closed on both sides: the peer has then read the goodbye and
   * dropped its end of the link, so the next link is no duplicate. False after `limitMs`.
   */
  async closed(limitMs: number): Promise<boolean> {
    const deadline = performance.now() + limitMs;
    while (this.open.size > 0) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.waiters.push(done);
        timer = setTimeout(done, left);
      });
      clearTimeout(timer);
    }
    return true;
  }
}
