import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stampAt } from '../../src/calldata/clock/hybrid-clock.js';
import { ReplicationAudit, type RefusalReason } from '../../src/calldata/replication/replication-audit.js';
import { CallDataWriter } from '../../src/calldata/store/calldata-writer.js';
import { OnMeshMessage } from '../../src/mesh/link/on-mesh-message.decorator.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { callData, callDataCluster, untilField, untilFields } from './calldata-mesh.js';

/** Plays a faulty or hostile node's side of `calldata.pull`: answers whatever the test sets. */
@Injectable()
class HostilePuller {
  answer: (have: Record<string, number>) => unknown = () => ({ changes: [], through: {}, more: false });
  readonly asked: Array<Record<string, number>> = [];

  @OnMeshMessage('calldata.pull')
  onPull(payload: unknown): unknown {
    const have = (payload as { have: Record<string, number> }).have;
    this.asked.push(have);
    return this.answer(have);
  }
}

const refused = (node: MeshNode, reason: RefusalReason) => node.app.get(ReplicationAudit).count(reason);
const applied = (node: MeshNode, origin: string) => node.app.get(CallDataWriter).progress.applied(origin);
const nowStamp = () => stampAt(Date.now()).toString();

/**
 * Bounded trust between authenticated nodes (docs/SECURITY.md): the hostile peers here complete
 * the real handshake with the right mesh password, and the honest nodes still replicate.
 */
describe('CallData from a faulty or hostile peer', () => {
  const cluster = callDataCluster();

  async function withHostile(honest: number) {
    const nodes = await cluster.fullMesh(honest);
    const hostile = await cluster.startBare([HostilePuller]);
    for (const node of nodes) hostile.link.connect(node.target);
    for (const node of nodes) await node.until('the hostile link', () => node.link.isLinked(hostile.nodeId));
    return { nodes, hostile, puller: hostile.app.get(HostilePuller) };
  }

  it('case 1: takes no progress of its own log from a peer, nor more than a pull answer carries', async () => {
    const {
      nodes: [a, b],
      hostile,
      puller,
    } = await withHostile(2);
    const third = '6fa459ea-ee8a-3ca4-894e-db77e160355e';
    puller.answer = () => ({
      changes: [],
      // Its own origin in range, a third origin it sends nothing of, and values beyond the range.
      through: { [a!.nodeId]: 1000, [b!.nodeId]: 2 ** 53 - 1, [third]: 500, [hostile.nodeId]: 7 },
      more: false,
    });
    await a!.until('own progress refused', () => refused(a!, 'own-progress') > 0);
    await a!.until('unbacked progress refused', () => refused(a!, 'unbacked-through') > 0);
    await a!.until('out-of-range progress refused', () => refused(a!, 'malformed') > 0);
    expect(applied(a!, a!.nodeId)).toBe(0);
    expect(applied(a!, third)).toBe(0);
    expect(applied(a!, b!.nodeId)).toBe(0);

    // The honest nodes go on replicating both ways, with sequence numbers from 1.
    await callData(a!).set('after-poison', { from: 'a' });
    await untilFields(b!, 'after-poison', { from: 'a' });
    await callData(b!).set('after-poison', { reply: 'b' });
    await untilFields(a!, 'after-poison', { from: 'a', reply: 'b' });
    expect(applied(a!, a!.nodeId)).toBe(1);
    expect(applied(b!, a!.nodeId)).toBe(1);
    expect(a!.link.isLinked(hostile.nodeId)).toBe(true);
  });

  it('case 2: a forged change of another origin does not hide the origin’s real write', async () => {
    const {
      nodes: [a, b],
      hostile,
      puller,
    } = await withHostile(2);
    // Live, as if from B: refused, it does not come from B.
    const next = applied(a!, b!.nodeId) + 1;
    await hostile.link.send(a!.nodeId, 'calldata.changes', {
      changes: [[b!.nodeId, next, 'forged-live', nowStamp(), { owner: 'mallory' }]],
    });
    await a!.until('the live forgery refused', () => refused(a!, 'not-origin') > 0);

    // By pull, as a relay of B's next change: taken as relayed, until B's own copy comes. It
    // goes on offering it after B wrote its real one: that copy stays.
    const forgery = [b!.nodeId, next, 'forged', nowStamp(), { owner: 'mallory' }];
    puller.answer = () => ({ changes: [forgery], through: { [b!.nodeId]: next }, more: false });
    await untilFields(a!, 'forged', { owner: 'mallory' });

    const real = await callData(b!).set('real', { owner: 'bob' });
    expect(real.fields).toEqual({ owner: 'bob' });
    await untilFields(a!, 'real', { owner: 'bob' });
    await a!.until('the conflict seen', () => refused(a!, 'conflict') > 0);
    expect(await callData(a!).get('forged')).toBeNull();
    expect(await callData(a!).get('forged-live')).toBeNull();
    const rows = await a!.app
      .get(DataSource)
      .query<Array<{ call_linkage_id: string; relayed: boolean }>>(
        'SELECT call_linkage_id, relayed FROM calldata_change WHERE origin_node_id = $1',
        [b!.nodeId],
      );
    expect(rows).toEqual([{ call_linkage_id: 'real', relayed: false }]);
    await a!.until('the forgery offered again, and kept out', () => refused(a!, 'conflict') > 1);
    expect((await callData(a!).get('real'))?.fields).toEqual({ owner: 'bob' });
    expect(await callData(a!).get('forged')).toBeNull();
  });

  it('case 2, by catch-up: a relayed forgery is checked against the origin when the two link later', async () => {
    const a = await cluster.start();
    const b = await cluster.start();
    const hostile = await cluster.startBare([HostilePuller]);
    hostile.link.connect(a.target);
    await a.until('the hostile link', () => a.link.isLinked(hostile.nodeId));
    const forgery = [b.nodeId, 1, 'forged', nowStamp(), { owner: 'mallory' }];
    hostile.app.get(HostilePuller).answer = () => ({
      changes: [forgery],
      through: { [b.nodeId]: 1 },
      more: false,
    });
    await untilFields(a, 'forged', { owner: 'mallory' });

    // B writes its real change 1 while A cannot hear it; A learns it when it pulls from B.
    await callData(b).set('real', { owner: 'bob' });
    a.link.connect(b.target);
    await untilFields(a, 'real', { owner: 'bob' });
    expect(await callData(a).get('forged')).toBeNull();
    expect(refused(a, 'conflict')).toBeGreaterThan(0);
  });

  it('cases 3 and 7: a far-future or out-of-range stamp is refused per change; its neighbours are applied and no field freezes', async () => {
    const {
      nodes: [a, b],
      hostile,
    } = await withHostile(2);
    const h = hostile.nodeId;
    await hostile.link.send(a!.nodeId, 'calldata.changes', {
      changes: [
        [h, 1, 'frozen', '9223372036854775000', { state: 'frozen' }],
        [h, 2, 'frozen', '9999999999999999999', { state: 'out of range' }],
        [h, 3, 'frozen', nowStamp(), { neighbour: 'applied' }],
        // (MessagePack carries no lone surrogate: it arrives as U+FFFD, stored like any text.)
        [h, 4, 'frozen', nowStamp(), { nul: 'a\u0000b' }],
        [h, 5, 'frozen', nowStamp(), { 'nul\u0000name': 'x' }],
        [h, 6, 'frozen', nowStamp(), { other: 'applied' }],
      ],
    });
    await untilFields(a!, 'frozen', { neighbour: 'applied', other: 'applied' });
    expect(refused(a!, 'stamp-ahead')).toBe(1);
    expect(refused(a!, 'malformed')).toBe(3);

    // Later writes win, on every node.
    const written = await callData(a!).set('frozen', { state: 'new' });
    expect(written.fields.state).toBe('new');
    expect(written.superseded).toBeUndefined();
    // B may or may not have the hostile's applied neighbours yet (relayed through A): only the
    // field written matters here.
    await untilField(b!, 'frozen', 'state', 'new');
    await callData(b!).set('frozen', { state: null });
    await untilFields(a!, 'frozen', { neighbour: 'applied', other: 'applied' });
    expect(new Date((await callData(a!).get('frozen'))!.updatedAt).getFullYear()).toBeLessThan(3000);
  });

  it('repairs at start what earlier versions let a peer poison: progress beyond the range, future stamps', async () => {
    const [a, b] = await cluster.fullMesh(2);
    await callData(a!).set('before', { n: '1' });
    await untilFields(b!, 'before', { n: '1' });
    await callData(b!).set('from-b', { n: 'b' });
    await untilFields(a!, 'from-b', { n: 'b' });
    // As issue 15 found it: a peer's through of 2^53 − 1 for A's own origin and B's, and a field
    // stamped near 2^63.
    const restarted = await cluster.restart(a!, async () => {
      const db = new DataSource({ type: 'postgres', url: a!.setup.url });
      await db.initialize();
      await db.query('UPDATE calldata_origin SET applied_seq = $1, max_seq = $1', [2 ** 53 - 1]);
      await db.query(
        `INSERT INTO calldata_change (origin_node_id, seq, call_linkage_id, hlc, fields)
         VALUES ($1, $2, 'before', $3, '{"n":"2"}')`,
        [a!.nodeId, 2 ** 53, nowStamp()],
      );
      await db.query(`UPDATE calldata_field SET hlc = '9223372036854775000'`);
      await db.query(`UPDATE calldata_call SET updated_hlc = '9223372036854775000'`);
      await db.destroy();
    });
    expect(applied(restarted, restarted.nodeId)).toBe(2);
    await restarted.until('linked again', () => restarted.link.isLinked(b!.nodeId));
    await restarted.until('B pulled again', () => applied(restarted, b!.nodeId) === 1);
    await callData(restarted).set('after', { n: '3' });
    await untilFields(b!, 'after', { n: '3' });
    await untilFields(b!, 'before', { n: '2' });
    const written = await callData(restarted).set('before', { n: '4' });
    expect(written.fields).toEqual({ n: '4' });
    await untilFields(b!, 'before', { n: '4' });
    await b!.until('A numbered on from 2', () => applied(b!, restarted.nodeId) === 4);
    expect((await callData(restarted).get('from-b'))?.fields).toEqual({ n: 'b' });
  });

  it('case 5: a peer’s flood of removals does not keep local writes from completing, and is applied in the end', async () => {
    const {
      nodes: [a],
      hostile,
    } = await withHostile(1);
    const fields = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`field-${i}`, null]));
    const total = 4000;
    const flood = (async () => {
      for (let seq = 1; seq <= total; seq += 200) {
        const changes = Array.from({ length: 200 }, (_, i) => [
          hostile.nodeId,
          seq + i,
          `flood-${(seq + i) % 500}`,
          nowStamp(),
          fields,
        ]);
        await hostile.link.send(a!.nodeId, 'calldata.changes', { changes });
      }
    })();
    const local = [];
    for (let i = 0; i < 20; i++) local.push(await callData(a!).set(`local-${i}`, { n: String(i) }));
    await flood;
    expect(local.map((c) => c.fields.n)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    await a!.until('the flood applied', () => applied(a!, hostile.nodeId) === total, 120_000);
  });
});
