import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import { OnMeshEvent, OnMeshRequest } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

const BULK_BYTES = 4 * 1024 * 1024 - 1024; // a 4 MiB message, just inside the default frame limit
const BULK_MESSAGES = 40;
const MAX_ROUNDS = 200_000; // bound of every loop below

@Injectable()
class Sequenced {
  readonly seen: number[] = [];
  bulk = 0;
  bulkDamaged = 0;

  @OnMeshEvent('seq')
  onSeq(payload: { seq: number }): void {
    this.seen.push(payload.seq);
  }

  @OnMeshEvent('bulk')
  onBulk(payload: Uint8Array): void {
    this.bulk++;
    if (payload.length !== BULK_BYTES || payload[BULK_BYTES - 1] !== 7) this.bulkDamaged++;
  }

  @OnMeshRequest('echo')
  echo(payload: { n: number }): { n: number } {
    return payload;
  }

  /** Answers later, so requests overtake each other's handlers but never their messages. */
  @OnMeshRequest('echo.async')
  async echoLater(payload: { n: number }): Promise<{ n: number }> {
    await yieldToIo();
    return payload;
  }
}

const PAD = 'p'.repeat(100);

describe('ordering and starvation on one link', () => {
  const cluster = meshCluster();

  async function pair(): Promise<[MeshNode, MeshNode]> {
    const [a, b] = [await cluster.start({}, [Sequenced]), await cluster.start({}, [Sequenced])];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
    await b.until('inbound link', () => b.link.isLinked(a.nodeId));
    return [a, b];
  }

  const downs = (...nodes: MeshNode[]) => nodes.flatMap((node) => node.named('mesh.link.down'));

  it('delivers messages from one node to another in the order sent, under load both ways and with requests between them', async () => {
    const [a, b] = await pair();
    const count = 30_000;
    const work: Array<Promise<unknown>> = [];
    for (let seq = 0; seq < count; seq++) {
      work.push(
        a.link.send(b.nodeId, 'seq', { seq, pad: PAD }),
        b.link.send(a.nodeId, 'seq', { seq, pad: PAD }),
      );
      if (seq % 50 === 0)
        work.push(a.link.request(b.nodeId, 'echo.async', { n: seq }, { timeoutMs: 60_000 }));
      if (seq % 500 === 499) await yieldToIo();
    }
    await Promise.all(work);
    const atB = b.app.get(Sequenced).seen;
    const atA = a.app.get(Sequenced).seen;
    await b.until('every message at B', () => atB.length >= count, 60_000);
    await a.until('every message at A', () => atA.length >= count, 60_000);
    const inOrder = Array.from({ length: count }, (_, seq) => seq);
    expect(atB).toEqual(inOrder);
    expect(atA).toEqual(inOrder);
    expect(downs(a, b)).toEqual([]);
  });

  it('across a reconnect: never out of order or twice; what was in flight at the drop may be lost, everything after arrives', async () => {
    const [a, b] = await pair();
    const accepted: number[] = [];
    const afterRelink: number[] = [];
    let dropped = false;
    for (let seq = 0; seq < MAX_ROUNDS && afterRelink.length < 2000; seq++) {
      const relinked = dropped && a.named('mesh.link.up').length === 2 && a.link.isLinked(b.nodeId);
      try {
        await a.link.send(b.nodeId, 'seq', { seq, pad: PAD });
        accepted.push(seq);
        if (relinked) afterRelink.push(seq);
      } catch {
        // MeshNotLinkedError / MeshLinkClosedError while the link is down: the caller's to retry.
        await sleep(5);
      }
      if (seq === 3000) {
        b.link.closeLink(a.nodeId, 'closed');
        dropped = true;
      }
      if (seq % 100 === 99) await yieldToIo();
    }
    expect(afterRelink).toHaveLength(2000);
    const seen = b.app.get(Sequenced).seen;
    const last = afterRelink[afterRelink.length - 1] as number;
    await b.until('every message sent on the new link', () => seen.includes(last), 30_000);
    // Strictly increasing: no reordering and no duplicate, across both links.
    expect(seen.every((seq, i) => i === 0 || seq > (seen[i - 1] as number))).toBe(true);
    // Only accepted sends arrive, and every one made on the new link does.
    const acceptedSet = new Set(accepted);
    expect(seen.filter((seq) => !acceptedSet.has(seq))).toEqual([]);
    const seenSet = new Set(seen);
    expect(afterRelink.filter((seq) => !seenSet.has(seq))).toEqual([]);
    // Before the drop, delivery was in order from the first message on.
    expect(seen.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, seq) => seq));
  });

  it('4 MiB messages back to back starve neither liveness nor small requests either way', async () => {
    const [a, b] = await pair();
    let streaming = true;
    const stream = (async () => {
      const bulk = Buffer.alloc(BULK_BYTES, 7);
      try {
        for (let i = 0; i < BULK_MESSAGES; i++) await a.link.send(b.nodeId, 'bulk', bulk);
      } finally {
        streaming = false;
      }
    })();
    // The default liveness timeout (3 s) doubles as every request's limit: an answer stuck behind
    // the bulk beyond it fails the test.
    const ask = async (from: MeshNode, to: MeshNode) => {
      let answered = 0;
      while (streaming && answered < MAX_ROUNDS) {
        await expect(
          from.link.request(to.nodeId, 'echo', { n: answered }, { timeoutMs: 3000 }),
        ).resolves.toEqual({
          n: answered,
        });
        answered++;
      }
      return answered;
    };
    // A→B requests queue behind the bulk; B→A requests are answered behind it.
    const [, forward, backward] = await Promise.all([stream, ask(a, b), ask(b, a)]);
    expect(forward).toBeGreaterThan(0);
    expect(backward).toBeGreaterThan(0);
    const atB = b.app.get(Sequenced);
    await b.until('every bulk message at B', () => atB.bulk === BULK_MESSAGES, 60_000);
    expect(atB.bulkDamaged).toBe(0);
    expect(downs(a, b)).toEqual([]);
    expect(a.link.isLinked(b.nodeId) && b.link.isLinked(a.nodeId)).toBe(true);
  });
});
