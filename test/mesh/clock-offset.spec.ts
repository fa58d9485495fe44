import { describe, expect, it } from '@jest/globals';
import type { LinkStatus } from '../../src/mesh/link/link-status.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

const TWO_HOURS = 7_200_000;
/** Up to eight pings (500 ms apart on an idle link) pass before a jump outweighs older samples. */
const LIMIT_MS = 45_000;

/** Waits until `node`'s status of `peer` satisfies `probe`. */
function untilStatusOf(
  node: MeshNode,
  peer: MeshNode,
  probe: (status: LinkStatus) => boolean,
): Promise<LinkStatus> {
  return node.until(
    `status of ${peer.target.port}`,
    () => {
      const status = node.link.status(peer.target);
      return status && probe(status) ? status : undefined;
    },
    LIMIT_MS,
  );
}

const linkDowns = (node: MeshNode) => node.named('mesh.link.down').map((event) => event.payload.reason);

describe('clock offsets between linked nodes', () => {
  const cluster = meshCluster();

  it("shows a linked peer's clock offset and round trip, and closes the link on both sides when the peer's clock jumps 2 h", async () => {
    let skew = 20_000;
    const a = await cluster.start();
    const b = await cluster.start({ now: () => Date.now() + skew });
    a.link.connect(b.target);
    b.link.connect(a.target);

    // 20 s off is within the default limit (30 s): linked, and the offset is shown both ways.
    const atA = await untilStatusOf(a, b, (s) => s.state === 'connected' && s.rttMs !== undefined);
    expect(atA.rttMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs((atA.clockOffsetMs ?? Number.NaN) - skew)).toBeLessThan(2000);
    const atB = await untilStatusOf(b, a, (s) => s.state === 'connected' && s.rttMs !== undefined);
    expect(Math.abs((atB.clockOffsetMs ?? Number.NaN) + skew)).toBeLessThan(2000);

    // The pings find the jump: the link closes with clock-skew on both sides, and redials are refused.
    skew = TWO_HOURS;
    // A side that learns of the skew from its peer shows its own offset once it measured it too.
    const skewed = (s: LinkStatus) => s.reason === 'clock-skew' && s.clockOffsetMs !== undefined;
    const refusedAtA = await untilStatusOf(a, b, skewed);
    expect(refusedAtA).toMatchObject({
      state: 'error',
      message: expect.stringMatching(
        /^the peer's clock is 7(199|200)\.\d s ahead of this node's \((the peer's )?limit 30 s\)$/,
      ),
    });
    expect(Math.abs((refusedAtA.clockOffsetMs ?? Number.NaN) - TWO_HOURS)).toBeLessThan(2000);
    const refusedAtB = await untilStatusOf(b, a, skewed);
    expect(refusedAtB.message).toMatch(/^the peer's clock is 7(199|200)\.\d s behind this node's/);
    expect(Math.abs((refusedAtB.clockOffsetMs ?? Number.NaN) + TWO_HOURS)).toBeLessThan(2000);
    await a.until('link down at a', () => linkDowns(a).includes('clock-skew'), LIMIT_MS);
    await b.until('link down at b', () => linkDowns(b).includes('clock-skew'), LIMIT_MS);
    expect(a.link.isLinked(b.nodeId) || b.link.isLinked(a.nodeId)).toBe(false);
  });

  it('links the same skew when the limit is raised above it', async () => {
    const limits = { maxClockOffsetMs: 3 * 3_600_000 };
    const a = await cluster.start(limits);
    const b = await cluster.start({ ...limits, now: () => Date.now() + TWO_HOURS });
    a.link.connect(b.target);
    const status = await untilStatusOf(a, b, (s) => s.state === 'connected' && s.rttMs !== undefined);
    expect(Math.abs((status.clockOffsetMs ?? Number.NaN) - TWO_HOURS)).toBeLessThan(2000);
  });
});
