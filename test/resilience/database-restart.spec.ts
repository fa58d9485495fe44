import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestDatabaseServer } from '../helpers/test-database.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { expectedCalls, holdsAll, untilSame } from '../helpers/calldata-convergence.js';
import { call, nodeList, putAcked, putCallData, untilConnected } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import { NodeSet } from './node-set.js';
import { pairEnvs } from './pair-envs.js';
import { RestartablePostgres } from './restartable-postgres.js';

/** Bounds the writes made while the database is down. */
const OUTAGE_WRITES = 20;

describe('a node whose PostgreSQL server is restarted under it', () => {
  let database: RestartablePostgres;
  let peerDatabase: TestDatabaseServer;
  const nodes = new NodeSet({
    MESH_ID: 'db-restart',
    MESH_PASSWORD: 'db-restart-password',
    CALLDATA_SYNC_INTERVAL_MS: '1000',
  });

  beforeAll(async () => {
    [database, peerDatabase] = await Promise.all([RestartablePostgres.start(), TestDatabaseServer.start()]);
  });
  afterAll(async () => {
    await nodes.stopAll();
    await Promise.all([database.close(), peerDatabase.stop()]);
  });

  it('reports the database down, refuses writes clearly, reconnects by itself and keeps every acknowledged write', async () => {
    const [envA, envB] = await pairEnvs([
      await database.createDatabase('node_a'),
      await peerDatabase.createDatabase(),
    ]);
    const [a, b] = await Promise.all([nodes.start(envA), nodes.start(envB)]);
    await Promise.all([untilConnected(a, b.nodeId), untilConnected(b, a.nodeId)]);

    const acked: Array<readonly [string, Record<string, string>]> = [];
    const write = async (node: NodeProcess, id: string, fields: Record<string, string>) => {
      await putAcked(node, id, fields);
      acked.push([id, fields]);
    };
    for (let i = 0; i < 20; i++) await write(a, `db-before-${i}`, { n: `${i}` });

    // Writers keep going on A while the server stops: whatever A acknowledged must survive.
    let stopping = false;
    const refused: number[] = [];
    let next = 0;
    const writer = async () => {
      while (next < 10_000 && !stopping) {
        const i = next++;
        const fields = { [`w${i % 4}`]: `${i}` };
        const answer = await putCallData(a, `db-racing-${i % 50}`, fields);
        if (answer.status === 200) acked.push([`db-racing-${i % 50}`, fields]);
        else refused.push(answer.status);
      }
    };
    // Four at a time, so the stop catches batches of the group commit in flight.
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    await until('some racing writes acknowledged', () =>
      Promise.resolve(acked.length >= 40 ? true : undefined),
    );
    // Both nodes dial each other: the first link may be replaced by the tie-break's choice just after
    // it connects, so what must hold is that no link came up after the database went away.
    const stoppedAt = Date.now();
    await database.stop();
    stopping = true;
    await writers;

    const down = await until('health reports the database down', async () => {
      const health = await a.health();
      return health.status === 503 ? health : undefined;
    });
    expect(down.body).toMatchObject({ status: 'error', details: { database: { status: 'down' } } });

    // While the database is down a write is refused with a clear answer, never taken as stored.
    for (let i = 0; i < OUTAGE_WRITES; i++) {
      const answer = await putCallData(a, `db-during-${i}`, { n: `${i}` });
      expect(answer).toMatchObject({ status: 503, body: { statusCode: 503, message: expect.any(String) } });
      expect((answer.body as { message: string }).message).toMatch(/database/i);
    }
    expect(await call(a, 'GET', '/api/calldata/db-before-0')).toMatchObject({ status: 503 });
    // The mesh does not need the database to stay linked: the link to B stays up throughout.
    const duringOutage = (await nodeList(a)).find((e) => e.nodeId === b.nodeId)?.status;
    expect(duringOutage?.state).toBe('connected');
    expect(Date.parse(duringOutage?.lastConnectedAt ?? '')).toBeLessThan(stoppedAt);
    // The peer's own database is fine: it goes on recording, and A gets it once it can store it.
    for (let i = 0; i < 20; i++) await write(b, `db-peer-${i}`, { n: `${i}` });

    await database.startAgain();
    await until('health is ok again', async () => ((await a.health()).status === 200 ? true : undefined));
    // The same process answers: the node did not exit and was not restarted.
    expect(() => process.kill(a.pid, 0)).not.toThrow();
    for (let i = 0; i < 20; i++) await write(a, `db-after-${i}`, { n: `${i}` });

    // Still the link from before the outage.
    expect((await nodeList(a)).find((e) => e.nodeId === b.nodeId)?.status.lastConnectedAt).toBe(
      duringOutage?.lastConnectedAt,
    );
    const expected = expectedCalls(acked);
    const final = await untilSame([a, b], (calls) => holdsAll(calls, expected));
    // A write refused while the database was down is not there afterwards either.
    expect([...final.keys()].filter((id) => id.startsWith('db-during-'))).toEqual([]);
    expect(refused.filter((status) => status !== 503)).toEqual([]);
  }, 120_000);
});
