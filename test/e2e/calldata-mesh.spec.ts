import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  canonical,
  expectedCalls,
  holdsAll,
  untilConverged,
  untilSame,
} from '../helpers/calldata-convergence.js';
import {
  allCalls,
  type CallData,
  call,
  getCallData,
  nodeList,
  putAcked,
  untilLinked,
} from '../helpers/node-api.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { RecordingProxy } from '../helpers/recording-proxy.js';
import { until } from '../helpers/until.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'calldata-mesh', MESH_PASSWORD: 'calldata-mesh-password' };
/** Short, so a catch-up that only the periodic pull would bring arrives soon. */
const SYNC_INTERVAL_MS = 1000;

const running = new Set<NodeProcess>();
const proxies: RecordingProxy[] = [];

async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({
    ...MESH,
    CALLDATA_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
    ...env,
  });
  running.add(node);
  return node;
}

afterEach(async () => {
  await Promise.all([...running].map((node) => node.stop().catch(() => undefined)));
  running.clear();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

interface Trio {
  a: NodeProcess;
  b: NodeProcess;
  c: NodeProcess;
  envs: { a: Record<string, string>; b: Record<string, string>; c: Record<string, string> };
}

/** Three nodes, each with the other two in MESH_PEERS: a full mesh of two links per node. */
async function startTrio(extra: Record<string, string> = {}): Promise<Trio> {
  const ports = { a: await freePort(), b: await freePort(), c: await freePort() };
  const envOf = async (self: 'a' | 'b' | 'c'): Promise<Record<string, string>> => ({
    DATA_DIR: await tempDataDir(),
    MESH_PORT: String(ports[self]),
    MESH_PEERS: (['a', 'b', 'c'] as const)
      .filter((other) => other !== self)
      .map((other) => `127.0.0.1:${ports[other]}`)
      .join(','),
    ...extra,
  });
  const envs = { a: await envOf('a'), b: await envOf('b'), c: await envOf('c') };
  const [a, b, c] = await Promise.all([start(envs.a), start(envs.b), start(envs.c)]);
  await Promise.all([untilLinked(a, [b, c]), untilLinked(b, [a, c]), untilLinked(c, [a, b])]);
  return { a, b, c, envs };
}

/** Runs `work(0..count-1)` with at most `parallel` in flight; stops starting new ones once `stop()`. */
async function pool(
  count: number,
  parallel: number,
  work: (i: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !stop()) await work(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

describe('CallData replicated between three real nodes', () => {
  it('brings a set on A to B and C; concurrent sets on A and B of the same keys converge', async () => {
    const { a, b, c } = await startTrio();

    const set = await putAcked(a, 'mesh-a', { caller: 'alice', agent: '7' });
    const everywhere = await untilConverged([a, b, c], 'mesh-a');
    expect(everywhere).toEqual(set);
    expect(everywhere.originNodeId).toBe(a.nodeId);

    // Both write every key in every round: each node's last write is the candidate winner.
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const rounds = 25;
    const writes = (node: NodeProcess, name: string) =>
      pool(rounds, 1, async (round) => {
        await putAcked(node, 'mesh-race', Object.fromEntries(keys.map((k) => [k, `${name}-${round}`])));
      });
    await Promise.all([writes(a, 'A'), writes(b, 'B')]);

    const converged = await untilConverged(
      [a, b, c],
      'mesh-race',
      (cd) => Object.keys(cd.fields).length === 8,
    );
    for (const key of keys) {
      // Last writer wins per field: only a node's final round can be the newest write of a key.
      expect([`A-${rounds - 1}`, `B-${rounds - 1}`]).toContain(converged.fields[key]);
    }
    expect([a.nodeId, b.nodeId]).toContain(converged.originNodeId);
  }, 120_000);

  it('gives a node that was cut off (connect unchecked) what it missed once it is checked again', async () => {
    const { a, b, c } = await startTrio();
    const onB = await nodeList(b);
    const entryOf = (peer: NodeProcess) => onB.find((entry) => entry.nodeId === peer.nodeId)!;

    for (const peer of [a, c]) {
      const answer = await call(b, 'PATCH', `/api/mesh/nodes/${entryOf(peer).id}`, { connect: false });
      expect(answer.status).toBe(200);
    }
    // Unchecking closes the link on both sides: A and C see B refuse them.
    for (const peer of [a, c]) {
      await until(`${peer.nodeId} cut off from B`, async () => {
        const entry = (await nodeList(peer)).find((e) => e.nodeId === b.nodeId);
        return entry?.status.state === 'error' && entry.status.reason === 'disabled-remote'
          ? entry
          : undefined;
      });
    }

    const count = 200;
    const fromA = Array.from({ length: count }, (_, i) => [`cut-a-${i}`, { n: `${i}`, by: 'A' }] as const);
    const fromC = Array.from({ length: 20 }, (_, i) => [`cut-c-${i}`, { n: `${i}`, by: 'C' }] as const);
    await pool(fromA.length, 16, (i) => putAcked(a, ...fromA[i]!).then(() => undefined));
    await pool(fromC.length, 4, (i) => putAcked(c, ...fromC[i]!).then(() => undefined));

    // C gets A's changes (replication runs), B gets none of them.
    const expectedOnC = [...fromA, ...fromC];
    await until('C has every change', async () => {
      const onC = await allCalls(c);
      return expectedOnC.every(([id, fields]) => sameFields(onC.get(id), fields)) ? true : undefined;
    });
    // Long enough for periodic pulls to run; B must not get anything from any of them.
    await sleep(3 * SYNC_INTERVAL_MS);
    const cutOnB = [...(await allCalls(b)).keys()].filter((id) => id.startsWith('cut-'));
    expect(cutOnB).toEqual([]);

    for (const peer of [a, c]) {
      const answer = await call(b, 'PATCH', `/api/mesh/nodes/${entryOf(peer).id}`, { connect: true });
      expect(answer.status).toBe(200);
    }
    await untilLinked(b, [a, c]);
    await until('B has caught up', async () => {
      const caught = await allCalls(b);
      return expectedOnC.every(([id, fields]) => sameFields(caught.get(id), fields)) ? true : undefined;
    });
    await untilSame([a, b, c]);
  }, 120_000);

  it('ends with every update on every node when B is killed (SIGKILL) in a burst of 10,000 and restarts', async () => {
    const { a, b, c, envs } = await startTrio();
    const total = 10_000;
    const calls = 500;
    // Update i sets one field of one of 500 calls: a node's whole state (with B's 100 calls) is one page.
    const updateOfA = (i: number) => [`burst-a-${i % calls}`, `a${Math.floor(i / calls)}`, `a-${i}`] as const;
    const updateOfB = (j: number) => [`burst-b-${j % 100}`, `b${Math.floor(j / 100)}`, `b-${j}`] as const;

    let ackedByA = 0;
    let killed: Promise<unknown> | undefined;
    const ackedByB: number[] = [];
    let bDown = false;

    const burstOfA = pool(total, 32, async (i) => {
      const [id, key, value] = updateOfA(i);
      await putAcked(a, id, { [key]: value });
      if (++ackedByA >= 3000 && !killed) {
        bDown = true;
        killed = b.stop('SIGKILL');
      }
    });
    // B writes too until it dies; only what it answered counts as acknowledged.
    const burstOfB = pool(
      100_000,
      8,
      async (j) => {
        const [id, key, value] = updateOfB(j);
        const ok = await putAcked(b, id, { [key]: value }).then(
          () => true,
          () => false,
        );
        // An answer that came while the kill was under way still counts: B committed it.
        if (ok) ackedByB.push(j);
        else if (!killed) throw new Error(`B refused update ${j} before it was killed`);
        else bDown = true;
      },
      () => bDown,
    );
    await Promise.all([burstOfA, burstOfB]);
    expect(ackedByA).toBe(total);
    expect(await killed).toEqual({ code: null, signal: 'SIGKILL' });
    running.delete(b);
    expect(ackedByB.length).toBeGreaterThan(0);

    // Same DATA_DIR and port: the same node, as an operator restarts it.
    const again = await start(envs.b);
    expect(again.nodeId).toBe(b.nodeId);
    await untilLinked(again, [a, c]);

    const write = ([id, key, value]: readonly [string, string, string]) => [id, { [key]: value }] as const;
    const expected = expectedCalls([
      ...Array.from({ length: total }, (_, i) => write(updateOfA(i))),
      ...ackedByB.map((j) => write(updateOfB(j))),
    ]);

    const final = await untilSame([a, again, c], (callsOnNode) => holdsAll(callsOnNode, expected));
    const updatesOfA = [...final.values()]
      .filter((cd) => cd.callLinkageId.startsWith('burst-a-'))
      .reduce((n, cd) => n + Object.keys(cd.fields).length, 0);
    expect(updatesOfA).toBe(total);
  }, 180_000);

  it('transmits nothing while the mesh is disabled, not even after it is enabled again', async () => {
    // Encryption off so the recorded bytes are readable: MessagePack keeps strings as UTF-8.
    const plain = { MESH_ENCRYPTION: 'none' };
    const portB = await freePort();
    const a = await start({ ...plain, DATA_DIR: await tempDataDir() });
    const portA = ((await call(a, 'GET', '/api/mesh')).body as { self: { port: number } }).self.port;
    const proxy = await RecordingProxy.start(portA);
    proxies.push(proxy);
    // A refuses nodes it does not list (search off), so it lists B — at an address B advertises
    // but does not listen on (B listens on 127.0.0.1 only): A's own dials fail, B's link through
    // the proxy is the only way between them.
    expect((await call(a, 'POST', '/api/mesh/nodes', { host: '127.0.0.2', port: portB })).status).toBe(201);
    const b = await start({
      ...plain,
      DATA_DIR: await tempDataDir(),
      MESH_HOST: '127.0.0.2',
      MESH_PORT: String(portB),
      MESH_PEERS: `127.0.0.1:${proxy.port}`,
    });
    const [aOnB] = await untilLinked(b, [a]);
    const [bOnA] = await untilLinked(a, [b]);
    expect(aOnB?.status).toMatchObject({ direction: 'outbound', transport: 'tcp' });
    expect(bOnA?.status).toMatchObject({ direction: 'inbound', transport: 'tcp' });

    const first = `first-${randomUUID()}`;
    const warm = await putAcked(a, 'quiet-warm', { stage: first });
    await untilConverged([a, b], 'quiet-warm');
    expect(proxy.count(first).fromTarget).toBeGreaterThan(0);

    expect((await call(a, 'PUT', '/api/mesh/settings', { enabled: false })).body).toMatchObject({
      enabled: false,
      active: false,
    });
    await until('B sees the mesh disabled on A', async () => {
      const entry = (await nodeList(b)).find((e) => e.nodeId === a.nodeId);
      return entry?.status.state === 'error' && entry.status.reason === 'mesh-disabled-remote'
        ? entry
        : undefined;
    });

    // Recorded on A all the same, in a new call and in one B already has.
    const marker = `marker-${randomUUID()}`;
    expect((await putAcked(a, 'quiet-secret', { note: marker })).fields).toEqual({ note: marker });
    expect((await putAcked(a, 'quiet-warm', { secret: marker })).fields).toEqual({
      ...warm.fields,
      secret: marker,
    });

    const pulls = proxy.count('calldata.pull');
    expect((await call(a, 'PUT', '/api/mesh/settings', { enabled: true })).body).toMatchObject({
      active: true,
    });
    await untilLinked(b, [a]);
    const later = `later-${randomUUID()}`;
    await putAcked(a, 'quiet-later', { note: later });
    await putAcked(b, 'quiet-later-b', { note: later });
    await untilConverged([a, b], 'quiet-later');
    await untilConverged([a, b], 'quiet-later-b');

    // B and A asked each other for missing changes after the link came back: at link-up, and again
    // in the periodic catch-up the link-up and the live messages called for.
    await until('two catch-up rounds each way since the mesh came back', () => {
      const now = proxy.count('calldata.pull');
      return Promise.resolve(
        now.toTarget >= pulls.toTarget + 2 && now.fromTarget >= pulls.fromTarget + 2 ? now : undefined,
      );
    });

    expect(proxy.count(later).fromTarget).toBeGreaterThan(0);
    expect(proxy.count(marker)).toEqual({ toTarget: 0, fromTarget: 0 });
    expect(await getCallData(b, 'quiet-secret')).toBeUndefined();
    expect((await getCallData(b, 'quiet-warm'))?.fields).toEqual(warm.fields);
    // A still has what it recorded while disabled.
    expect((await getCallData(a, 'quiet-secret'))?.fields).toEqual({ note: marker });
  }, 120_000);
});

function sameFields(callData: CallData | undefined, fields: Record<string, string>): boolean {
  return callData !== undefined && canonical(callData) === canonical({ ...callData, fields });
}
