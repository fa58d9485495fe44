import { describe, expect, it } from '@jest/globals';
import { allStarted, lanNodes } from '../helpers/lan-nodes.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { expectedCalls, holdsAll, untilSame } from '../helpers/calldata-convergence.js';
import { nodeList, putAcked, untilConnected } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import type { LinkStatus } from '../../src/mesh/link/link-status.js';
import { connectedAfter, isLivenessTimeout, StatusHistory } from './status-history.js';

const MESH = {
  MESH_ID: 'cable-cut',
  MESH_PASSWORD: 'cable-cut-password',
  MESH_BIND: '0.0.0.0',
  MESH_PORT: '7222',
  CALLDATA_SYNC_INTERVAL_MS: '1000',
};
/** Redials back off up to 30 s; plugging the cable back is followed within that. */
const RELINK_LIMIT_MS = 60_000;
type Write = readonly [string, Record<string, string>];

describe('two hosts of a namespace LAN whose cable is pulled and plugged back', () => {
  const lan = lanNodes('cable-cut');

  it('both see the link time out, both keep recording, and after the replug both hold every write, conflicts resolved alike', async () => {
    const cabled = await lan.lan(2);
    const [host1, host2] = cabled.hosts;
    if (!host1 || !host2) throw new Error('the LAN lacks hosts');
    const [a, b] = await allStarted([
      (async () =>
        lan.start(host1, {
          ...MESH,
          MESH_HOST: host1.address,
          MESH_PEERS: `${host2.address}:7222`,
          DATA_DIR: await lan.dataDir(),
        }))(),
      (async () =>
        lan.start(host2, {
          ...MESH,
          MESH_HOST: host2.address,
          MESH_PEERS: `${host1.address}:7222`,
          DATA_DIR: await lan.dataDir(),
        }))(),
    ]);
    if (!a || !b) throw new Error('a node did not start');
    await Promise.all([untilConnected(a, b.nodeId), untilConnected(b, a.nodeId)]);
    const [onA, onB] = await Promise.all([
      StatusHistory.record(a, host1.namespace),
      StatusHistory.record(b, host2.namespace),
    ]);
    lan.onCleanup(() => {
      onA.stop();
      onB.stop();
      return Promise.resolve();
    });

    const acked: Write[] = [];
    const write = async (node: NodeProcess, id: string, fields: Record<string, string>) => {
      await putAcked(node, id, fields);
      acked.push([id, fields]);
    };
    await Promise.all([write(a, 'cut-before', { a: '1' }), write(b, 'cut-before', { b: '1' })]);

    await cabled.setLinkUp(host2, false);
    for (const [node, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      await until(`${node.nodeId} sees ${peer.nodeId} down`, async () => {
        const entry = (await nodeList(node)).find((e) => e.nodeId === peer.nodeId);
        return entry?.status.state === 'error' ? entry : undefined;
      });
    }
    // A pulled cable sends nothing: both sides learn it from the silence (liveness), not from a reset.
    const timedOut = (statuses: LinkStatus[]) => statuses.some(isLivenessTimeout);
    await Promise.all([onA.until(b.nodeId, timedOut), onB.until(a.nodeId, timedOut)]);

    // Each side records on its own: calls of its own, fields of its own in shared calls, and
    // the same field of the same call on both (a conflict the merge rule settles).
    const sides = [
      [a, 'a'],
      [b, 'b'],
    ] as const;
    await Promise.all(
      sides.map(async ([node, name]) => {
        for (let i = 0; i < 8; i++) {
          await Promise.all([
            write(node, `cut-${name}-${i}`, { n: `${i}` }),
            write(node, `cut-shared-${i}`, { [name]: `${i}` }),
            putAcked(node, `cut-conflict-${i}`, { winner: name }),
          ]);
        }
      }),
    );
    expect((await nodeList(a)).find((e) => e.nodeId === b.nodeId)?.status.state).toBe('error');

    await cabled.setLinkUp(host2, true);
    await Promise.all([
      untilConnected(a, b.nodeId, RELINK_LIMIT_MS),
      untilConnected(b, a.nodeId, RELINK_LIMIT_MS),
    ]);

    const expected = expectedCalls(acked);
    const final = await untilSame(
      [a, b],
      (calls) => holdsAll(calls, expected) && calls.has('cut-conflict-7'),
    );
    for (let i = 0; i < 8; i++) {
      expect(['a', 'b']).toContain(final.get(`cut-conflict-${i}`)?.fields.winner);
    }
    const backAfterTimeout = (statuses: LinkStatus[]) => connectedAfter(statuses, 'timeout');
    await Promise.all([onA.until(b.nodeId, backAfterTimeout), onB.until(a.nodeId, backAfterTimeout)]);
  }, 150_000);
});
