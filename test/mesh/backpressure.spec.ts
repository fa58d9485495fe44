import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { decodeLinkFrame, Kind } from '../../src/mesh/link/link-frames.js';
import { BackpressureError } from '../../src/mesh/link/link.errors.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { connectRawPeer } from '../helpers/raw-peer.js';

const HIGH_WATER = 64 * 1024;
const MAX_BUFFERED = 1024 * 1024;
const PAYLOAD = { text: 'x'.repeat(1000) };
const MAX_SENDS = 200_000; // bound: far more than kernel buffers plus MAX_BUFFERED hold

describe('backpressure: a peer that stops reading cannot make the sender buffer without bound', () => {
  const cluster = meshCluster();
  const sockets: Socket[] = [];
  afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

  async function stalledPeer(policy: 'wait' | 'reject') {
    const node = await cluster.start({
      highWaterBytes: HIGH_WATER,
      maxBufferedBytes: MAX_BUFFERED,
      backpressure: policy,
      // The raw peer sends no heartbeats; only backpressure is under test here.
      livenessTimeoutMs: 120_000,
    });
    const peer = await connectRawPeer(node.target);
    sockets.push(peer.socket);
    peer.socket.pause(); // the peer stops reading
    await node.until('link to the raw peer', () => node.link.isLinked(peer.nodeId));
    return { node, peer };
  }

  it('policy wait: send waits for the peer, fails with BackpressureError at the cap, and loses nothing it accepted', async () => {
    const { node, peer } = await stalledPeer('wait');
    const accepted: Array<Promise<void>> = [];
    let settled = 0;
    let rejected = 0;
    let waitingAtFailure = 0;
    let failure: unknown;
    for (let i = 0; i < MAX_SENDS && failure === undefined; i++) {
      const sent = node.link.send(peer.nodeId, 'bulk', { i, ...PAYLOAD });
      sent.then(
        () => settled++,
        (error: unknown) => {
          if (failure === undefined) waitingAtFailure = accepted.length - settled - rejected - 1;
          rejected++;
          failure ??= error;
        },
      );
      accepted.push(sent);
      // Let the tick end so corked writes reach the socket, as in a real event loop.
      if (i % 100 === 99) await new Promise((done) => setImmediate(done));
    }
    await new Promise((done) => setImmediate(done));
    expect(failure).toBeInstanceOf(BackpressureError);
    expect((failure as BackpressureError).bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
    // When the cap was hit, sends beyond the high-water mark were waiting for the peer.
    expect(waitingAtFailure).toBeGreaterThan(0);

    // The peer reads again: the waiting sends resolve and every accepted message arrives.
    peer.socket.removeAllListeners('data');
    const seen = new Set<number>();
    peer.socket.on('data', (chunk: Buffer) => {
      for (const body of peer.decoder.push(chunk)) {
        const decoded = decodeLinkFrame(body);
        if (decoded[0] === Kind.Message && decoded[1] === 'bulk') seen.add((decoded[2] as { i: number }).i);
      }
    });
    peer.socket.resume();
    const ok = (await Promise.allSettled(accepted)).filter((r) => r.status === 'fulfilled').length;
    expect(settled).toBe(ok);
    await node.until('every accepted message at the peer', () => seen.size >= ok);
    expect(seen.size).toBe(ok);
    expect(Math.max(...seen)).toBe(ok - 1);
  });

  it('policy reject: send fails at once with BackpressureError once the peer is behind', async () => {
    const { node, peer } = await stalledPeer('reject');
    let failure: unknown;
    for (let i = 0; i < MAX_SENDS && failure === undefined; i++) {
      await node.link.send(peer.nodeId, 'bulk', { i, ...PAYLOAD }).catch((e: unknown) => (failure = e));
    }
    expect(failure).toBeInstanceOf(BackpressureError);
    expect((failure as BackpressureError).bufferedBytes).toBeGreaterThanOrEqual(HIGH_WATER);
    // The link itself stays up: the caller decides what to do.
    expect(node.link.isLinked(peer.nodeId)).toBe(true);
  });
});
