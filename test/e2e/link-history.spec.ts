import { afterEach, describe, expect, it } from '@jest/globals';
import { call, nodeList, untilLinked } from '../helpers/node-api.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { until } from '../helpers/until.js';
import type { LinkHistoryEntry } from '../../src/mesh/index.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'history', MESH_PASSWORD: 'history-password' };
const running: NodeProcess[] = [];

async function start(dataDir: string, port: number, peerPort: number): Promise<NodeProcess> {
  const node = await NodeProcess.start({
    ...MESH,
    DATA_DIR: dataDir,
    MESH_PORT: String(port),
    MESH_PEERS: `127.0.0.1:${peerPort}`,
  });
  running.push(node);
  return node;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

async function history(node: NodeProcess, id: string): Promise<LinkHistoryEntry[]> {
  const answer = await call(node, 'GET', `/api/mesh/nodes/${id}/history`);
  expect(answer.status).toBe(200);
  return answer.body as LinkHistoryEntry[];
}

describe('a short history per node', () => {
  it('lists when a link dropped and why, newest first, and keeps it across a restart', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const dataDir = await tempDataDir();
    let a = await start(dataDir, portA, portB);
    const b = await start(await tempDataDir(), portB, portA);
    await untilLinked(a, [b]);
    const entryOfB = (await nodeList(a)).find((entry) => entry.nodeId === b.nodeId);
    const entryOfA = (await nodeList(b)).find((entry) => entry.nodeId === a.nodeId);
    if (!entryOfB || !entryOfA) throw new Error('the nodes do not list each other');

    // B's administrator unchecks A: A's link to B drops with disabled-remote.
    expect((await call(b, 'PATCH', `/api/mesh/nodes/${entryOfA.id}`, { connect: false })).status).toBe(200);
    const dropped = await until('the drop in the history', async () => {
      const entries = await history(a, entryOfB.id);
      return entries[0]?.state === 'error' ? entries : undefined;
    });
    expect(dropped[0]).toEqual({
      at: expect.any(String),
      state: 'error',
      reason: 'disabled-remote',
      message: expect.any(String),
    });
    expect(dropped.map((entry) => entry.state)).toContain('connected');
    // Newest first.
    const times = dropped.map((entry) => Date.parse(entry.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    // After a restart of A the history is still there, with what happened since on top.
    await a.stop();
    running.splice(running.indexOf(a), 1);
    a = await start(dataDir, portA, portB);
    const kept = await until('the history after the restart', async () => {
      const entries = await history(a, entryOfB.id);
      return entries.length > dropped.length ? entries : undefined;
    });
    expect(kept).toEqual(expect.arrayContaining(dropped));
    expect(kept[0]?.at).not.toBe(dropped[0]?.at);
  }, 240_000);
});
