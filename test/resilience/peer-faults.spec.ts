import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TestDatabaseServer } from '../helpers/test-database.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { expectedCalls, holdsAll, untilSame } from '../helpers/calldata-convergence.js';
import { nodeList, putAcked, untilConnected } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import { NodeSet } from './node-set.js';
import { pairEnvs } from './pair-envs.js';
import { connectedAfter, isLivenessTimeout, StatusHistory } from './status-history.js';

type Write = readonly [string, Record<string, string>];

/**
 * What test/e2e/link-faults.spec.ts proves from the logs (a frozen or killed peer is noticed and
 * linked again), seen here the way an operator and a PBX see it: the node list's status reasons
 * through the API, and CallData written on both sides during the fault ending the same everywhere.
 */
describe('CallData and link status when a peer process dies or freezes', () => {
  let database: TestDatabaseServer;
  const nodes = new NodeSet({
    MESH_ID: 'peer-faults',
    MESH_PASSWORD: 'peer-faults-password',
    CALLDATA_SYNC_INTERVAL_MS: '1000',
  });
  const histories: StatusHistory[] = [];

  beforeAll(async () => {
    // One server, a database per node: restarts are fast, and a killed node leaves nothing behind.
    database = await TestDatabaseServer.start();
  });
  afterEach(async () => {
    for (const history of histories.splice(0)) history.stop();
    await nodes.stopAll();
  });
  afterAll(async () => {
    await database.stop();
  });

  /** Two nodes with each other as fixed nodes; answers them and the environment to restart A. */
  async function pair() {
    const [envA, envB] = await pairEnvs([await database.createDatabase(), await database.createDatabase()]);
    const [a, b] = await Promise.all([nodes.start(envA), nodes.start(envB)]);
    await Promise.all([untilConnected(a, b.nodeId), untilConnected(b, a.nodeId)]);
    const history = await StatusHistory.record(b);
    histories.push(history);
    return { a, b, envA, history };
  }

  /** `count` acknowledged writes to `node`, a few at a time; each call gets fields of its writer. */
  async function writes(node: NodeProcess, prefix: string, count: number, acked: Write[]): Promise<void> {
    const one = async (i: number) => {
      const write = [`${prefix}-${i % 25}`, { [`${prefix}-${Math.floor(i / 25)}`]: `${i}` }] as const;
      await putAcked(node, ...write);
      acked.push(write);
    };
    for (let i = 0; i < count; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].map(one));
  }

  /** Waits until `node` lists `peer` in error for `reason`. */
  function untilFailed(node: NodeProcess, peerNodeId: string, reasons: string[]) {
    return until(`${peerNodeId} in error on ${node.nodeId}`, async () => {
      const entry = (await nodeList(node)).find((e) => e.nodeId === peerNodeId);
      return entry?.status.state === 'error' && reasons.includes(entry.status.reason ?? '')
        ? entry
        : undefined;
    });
  }

  /**
   * After the fault: A and B link again by themselves, A takes 20 more writes, both end with the
   * same calls holding every acknowledged write, and B's API showed A down for `reason`, then back.
   */
  async function relinkedAndAlike(
    a: NodeProcess,
    b: NodeProcess,
    history: StatusHistory,
    reason: string,
    acked: Write[],
  ): Promise<void> {
    await Promise.all([untilConnected(b, a.nodeId), untilConnected(a, b.nodeId)]);
    await writes(a, `${reason}-a-after`, 20, acked);
    const expected = expectedCalls(acked);
    await untilSame([a, b], (calls) => holdsAll(calls, expected));
    await history.until(a.nodeId, (statuses) => connectedAfter(statuses, reason));
  }

  it('a peer killed with SIGKILL mid-write: connection-lost, linked again after its restart, every acknowledged write on both', async () => {
    const { a, b, envA, history } = await pair();
    const acked: Write[] = [];
    await Promise.all([writes(a, 'kill-a', 100, acked), writes(b, 'kill-b', 100, acked)]);

    // A dies while both are writing: the writes A acknowledged are the ones that must survive.
    let killedA: Promise<unknown> | undefined;
    let next = 0;
    const racing = async () => {
      while (!killedA && next < 400) {
        const i = next++;
        const write = [`kill-race-${i % 20}`, { [`r${i}`]: `${i}` }] as const;
        const ok = await putAcked(a, ...write).then(
          () => true,
          () => false,
        );
        if (ok) acked.push(write);
        if (i === 60) killedA = a.stop('SIGKILL');
      }
    };
    await Promise.all([racing(), racing(), racing(), racing(), writes(b, 'kill-b-race', 60, acked)]);
    expect(await killedA).toEqual({ code: null, signal: 'SIGKILL' });
    nodes.forget(a);

    const failed = await untilFailed(b, a.nodeId, ['connection-lost', 'unreachable']);
    expect(failed.status.message).toEqual(expect.any(String));
    await history.until(a.nodeId, (statuses) => statuses.some((s) => s.reason === 'connection-lost'));
    // B goes on recording while A is away.
    await writes(b, 'kill-b-away', 60, acked);

    const again = await nodes.start(envA);
    expect(again.nodeId).toBe(a.nodeId);
    await relinkedAndAlike(again, b, history, 'connection-lost', acked);
  }, 120_000);

  it('a peer frozen with SIGSTOP: timeout, linked again after SIGCONT, writes made on both sides during the freeze on both', async () => {
    const { a, b, history } = await pair();
    const acked: Write[] = [];
    await Promise.all([writes(a, 'stop-a', 60, acked), writes(b, 'stop-b', 60, acked)]);

    a.signal('SIGSTOP');
    await untilFailed(b, a.nodeId, ['timeout']);
    // The liveness check noticed the silence (a redial's handshake time-out would say otherwise).
    await history.until(a.nodeId, (statuses) => statuses.some(isLivenessTimeout));
    // Writes sent to the frozen node wait in its socket backlog; what it acknowledges after
    // SIGCONT counts like any other write.
    const toFrozen = writes(a, 'stop-a-frozen', 8, acked);
    await writes(b, 'stop-b-during', 60, acked);
    a.signal('SIGCONT');
    await toFrozen;

    await relinkedAndAlike(a, b, history, 'timeout', acked);
  }, 120_000);
});
