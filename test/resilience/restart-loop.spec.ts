import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { allCalls, nodeList, putAcked, untilConnected } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import { NodeSet } from './node-set.js';
import { pairEnvs } from './pair-envs.js';
import { StatusHistory } from './status-history.js';

const RESTARTS = 20;

describe('a node restarted again and again', () => {
  let database: TestDatabaseServer;
  const nodes = new NodeSet({ MESH_ID: 'restart-loop', MESH_PASSWORD: 'restart-loop-password' });
  const histories: StatusHistory[] = [];

  beforeAll(async () => {
    // An external server: a restart costs the node's own start only, not a PostgreSQL start too.
    database = await TestDatabaseServer.start();
  });
  afterAll(async () => {
    for (const history of histories) history.stop();
    await nodes.stopAll();
    await database.stop();
  });

  it(`rejoins the mesh after each of ${RESTARTS} SIGTERM restarts, as the same node, losing no write`, async () => {
    const [envA, envB] = await pairEnvs([await database.createDatabase(), await database.createDatabase()]);
    const [first, b] = await Promise.all([nodes.start(envA), nodes.start(envB)]);
    const nodeId = first.nodeId;
    let a = first;
    let linked = await untilConnected(b, nodeId);
    const history = await StatusHistory.record(b);
    histories.push(history);

    for (let round = 1; round <= RESTARTS; round++) {
      // Acknowledged just before the stop: a graceful stop keeps and delivers it.
      await putAcked(a, `restart-${round}`, { round: `${round}` });
      expect(await a.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      nodes.forget(a);
      await until(`round ${round}: B sees A go`, async () => {
        const entry = (await nodeList(b)).find((e) => e.nodeId === nodeId);
        return entry?.status.state === 'error' ? entry : undefined;
      });

      a = await nodes.start(envA);
      expect(a.nodeId).toBe(nodeId);
      const previous = linked.status.lastConnectedAt;
      // A new link, not the old status: connected again since the restart.
      linked = await until(`round ${round}: B links A again`, async () => {
        const entry = (await nodeList(b)).find((e) => e.nodeId === nodeId);
        return entry?.status.state === 'connected' && entry.status.lastConnectedAt !== previous
          ? entry
          : undefined;
      });
      await untilConnected(a, b.nodeId);
    }

    // Each stop was announced: B learnt the reason from A, not from a broken connection.
    const statuses = await history.until(
      nodeId,
      (all) => all.filter((s) => s.reason === 'shutdown').length >= RESTARTS,
    );
    const reasons = statuses.map((s) => s.reason);
    expect(reasons.filter((reason) => reason === 'shutdown')).toHaveLength(RESTARTS);
    expect(reasons).not.toContain('connection-lost');
    // One entry for A on B, however often it came back.
    expect((await nodeList(b)).filter((e) => e.nodeId === nodeId)).toHaveLength(1);
    expect((await nodeList(b)).map((e) => e.status.state)).toEqual(['connected']);
    const onB = await until('every round on B', async () => {
      const calls = await allCalls(b);
      return calls.size >= RESTARTS ? calls : undefined;
    });
    for (let round = 1; round <= RESTARTS; round++) {
      expect(onB.get(`restart-${round}`)?.fields).toEqual({ round: `${round}` });
    }
  }, 240_000);
});
