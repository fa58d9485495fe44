import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestDatabaseServer } from '../helpers/test-database.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { expectedCalls, holdsAll, untilSame } from '../helpers/calldata-convergence.js';
import { putAcked, putCallData, untilConnected } from '../helpers/node-api.js';
import { CommitCuttingProxy } from './commit-cutting-proxy.js';
import { NodeSet } from './node-set.js';
import { pairEnvs } from './pair-envs.js';

type Write = readonly [string, Record<string, string>];

describe('a CallData write whose commit answer is lost between the node and PostgreSQL', () => {
  let database: TestDatabaseServer;
  let proxy: CommitCuttingProxy | undefined;
  const nodes = new NodeSet({ MESH_ID: 'lost-commit', MESH_PASSWORD: 'lost-commit-password' });

  beforeAll(async () => {
    database = await TestDatabaseServer.start();
  });
  afterAll(async () => {
    await nodes.stopAll();
    await proxy?.close();
    await database.stop();
  });

  it('is answered as failed, yet stored; the writes after it still reach the peer, and both end the same', async () => {
    const urlA = new URL(await database.createDatabase());
    proxy = await CommitCuttingProxy.start(Number(urlA.port));
    urlA.port = String(proxy.port);
    const [envA, envB] = await pairEnvs([urlA.toString(), await database.createDatabase()]);
    const [a, b] = await Promise.all([
      // A asks for nothing on its own, so no transaction of its own meets the armed proxy.
      nodes.start({ ...envA, CALLDATA_SYNC_INTERVAL_MS: '3600000' }),
      nodes.start({ ...envB, CALLDATA_SYNC_INTERVAL_MS: '1000' }),
    ]);
    await Promise.all([untilConnected(a, b.nodeId), untilConnected(b, a.nodeId)]);

    const acked: Write[] = [];
    const write = async (node: NodeProcess, id: string, fields: Record<string, string>) => {
      await putAcked(node, id, fields);
      acked.push([id, fields]);
    };
    for (let i = 0; i < 5; i++) await write(a, `lost-before-${i}`, { n: `${i}` });

    proxy.cutNextCommit();
    const lost = await putCallData(a, 'lost-answer', { n: 'lost' });
    expect(proxy.cuts).toBe(1);
    // Not a success: the node cannot know the outcome, and says the database failed it.
    expect(lost.status).toBe(503);

    for (let i = 0; i < 5; i++) await write(a, `lost-after-${i}`, { n: `${i}` });
    for (let i = 0; i < 5; i++) await write(b, `lost-peer-${i}`, { n: `${i}` });

    // The write that was committed after all is a change like any other: on both nodes, or on none.
    const expected = expectedCalls(acked);
    const final = await untilSame([a, b], (calls) => holdsAll(calls, expected));
    expect(final.get('lost-answer')?.fields).toEqual({ n: 'lost' });
  }, 120_000);
});
