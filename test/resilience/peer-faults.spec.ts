import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { expectedCalls, holdsAll, nodeList, putAcked, until, untilConnected, untilSame } from './node-api.js';
import { connectedAfter, StatusHistory } from './status-history.js';

const MESH = {
  MESH_HOST: '127.0.0.1',
  MESH_ID: 'peer-faults',
  MESH_PASSWORD: 'peer-faults-password',
  CALLDATA_SYNC_INTERVAL_MS: '1000',
};
type Write = readonly [string, Record<string, string>];

/**
 * What test/e2e/link-faults.spec.ts proves from the logs (a frozen or killed peer is noticed and
 * linked again), seen here the way an operator and a PBX see it: the node list's status reasons
 * through the API, and CallData written on both sides during the fault ending the same everywhere.
 */
describe('CallData and link status when a peer process dies or freezes', () => {
  let database: TestDatabaseServer;
  const running = new Set<NodeProcess>();
  const histories: StatusHistory[] = [];

  beforeAll(async () => {
    // One server, a database per node: restarts are fast, and a killed node leaves nothing behind.
    database = await TestDatabaseServer.start();
  });
  afterEach(async () => {
    for (const history of histories.splice(0)) history.stop();
    for (const node of running) node.signal('SIGCONT');
    await Promise.all([...running].map((node) => node.stop().catch(() => undefined)));
    running.clear();
  });
  afterAll(async () => {
    await database.stop();
  });

  async function start(env: Record<string, string>): Promise<NodeProcess> {
    const node = await NodeProcess.start({ ...MESH, ...env });
    running.add(node);
    return node;
  }

  /** Two nodes with each other as fixed nodes; answers them and the environments to restart them. */
  async function pair() {
    const [portA, portB] = [await freePort(), await freePort()];
    const envA = {
      DATA_DIR: await tempDataDir(),
      DATABASE_URL: await database.createDatabase(),
      MESH_PORT: String(portA),
      MESH_PEERS: `127.0.0.1:${portB}`,
    };
    const envB = {
      DATA_DIR: await tempDataDir(),
      DATABASE_URL: await database.createDatabase(),
      MESH_PORT: String(portB),
      MESH_PEERS: `127.0.0.1:${portA}`,
    };
    const [a, b] = await Promise.all([start(envA), start(envB)]);
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
    running.delete(a);

    const failed = await untilFailed(b, a.nodeId, ['connection-lost', 'unreachable']);
    expect(failed.status.message).toEqual(expect.any(String));
    await history.until(a.nodeId, (statuses) => statuses.some((s) => s.reason === 'connection-lost'));
    // B goes on recording while A is away.
    await writes(b, 'kill-b-away', 60, acked);

    const again = await start(envA);
    expect(again.nodeId).toBe(a.nodeId);
    await Promise.all([untilConnected(b, a.nodeId), untilConnected(again, b.nodeId)]);
    await writes(again, 'kill-a-after', 20, acked);

    const expected = expectedCalls(acked);
    expect(holdsAll(await untilSame([again, b], (calls) => holdsAll(calls, expected)), expected)).toBe(true);
    // The API showed the loss, then the link back: down for the right reason, up by itself.
    await history.until(a.nodeId, (statuses) => connectedAfter(statuses, 'connection-lost'));
  }, 120_000);

  it('a peer frozen with SIGSTOP: timeout, linked again after SIGCONT, writes made on both sides during the freeze on both', async () => {
    const { a, b, history } = await pair();
    const acked: Write[] = [];
    await Promise.all([writes(a, 'stop-a', 60, acked), writes(b, 'stop-b', 60, acked)]);

    a.signal('SIGSTOP');
    const failed = await untilFailed(b, a.nodeId, ['timeout']);
    expect(failed.status.message).toMatch(/no sign of life|handshake/);
    // Writes sent to the frozen node wait in its socket backlog; what it acknowledges after
    // SIGCONT counts like any other write.
    const toFrozen = writes(a, 'stop-a-frozen', 8, acked);
    await writes(b, 'stop-b-during', 60, acked);
    a.signal('SIGCONT');
    await toFrozen;

    await Promise.all([untilConnected(b, a.nodeId), untilConnected(a, b.nodeId)]);
    await writes(a, 'stop-a-after', 20, acked);

    const expected = expectedCalls(acked);
    expect(holdsAll(await untilSame([a, b], (calls) => holdsAll(calls, expected)), expected)).toBe(true);
    await history.until(a.nodeId, (statuses) => connectedAfter(statuses, 'timeout'));
  }, 120_000);
});
