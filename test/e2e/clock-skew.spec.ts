import { describe, expect, it } from '@jest/globals';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import { call } from '../helpers/node-api.js';
import { freePort, type NodeProcess } from '../helpers/node-process.js';
import { clockAhead, skewedClockNodes } from '../helpers/skewed-clock.js';
import { until } from '../helpers/until.js';

const nodes = skewedClockNodes({ MESH_ID: 'clocks', MESH_PASSWORD: 'clocks-password' });
/** A node whose system clock is 2 h ahead, as on a server without NTP. */
const TWO_HOURS_AHEAD = clockAhead('+2h');
const TWO_HOURS = 7_200_000;
/** Loopback round trips are far below this; it only rules out a wrong sign or a wrong magnitude. */
const TOLERANCE_MS = 2000;

/** A node on `port` that lists the nodes on `peers`. */
function start(port: number, peers: number[], env: Record<string, string> = {}): Promise<NodeProcess> {
  return nodes.start(port, { MESH_PEERS: peers.map((peer) => `127.0.0.1:${peer}`).join(','), ...env });
}

/** The node's own clock, as its HTTP server stamps its answers. */
async function clockOf(node: NodeProcess): Promise<number> {
  const response = await fetch(`${node.httpUrl}/health`);
  return Date.parse(response.headers.get('date') ?? '');
}

/** Waits until `node` lists each port with a status that `expected` accepts; returns the entries. */
function untilListed(
  node: NodeProcess,
  expected: Record<number, (status: MeshNodeView['status']) => boolean>,
): Promise<Map<number, MeshNodeView>> {
  return until(`statuses on ${node.httpUrl}`, async () => {
    const answer = await call(node, 'GET', '/api/mesh/nodes');
    if (answer.status !== 200) throw new Error(`GET /api/mesh/nodes: ${answer.status}`);
    const entries = new Map((answer.body as MeshNodeView[]).map((entry) => [entry.port, entry]));
    const all = Object.entries(expected).every(([port, accepts]) => {
      const entry = entries.get(Number(port));
      return entry !== undefined && accepts(entry.status);
    });
    if (!all) throw new Error(JSON.stringify([...entries.values()].map((e) => [e.port, e.status])));
    return entries;
  });
}

const connected = (s: MeshNodeView['status']) => s.state === 'connected' && s.rttMs !== undefined;
const skewed = (s: MeshNodeView['status']) => s.reason === 'clock-skew' && s.clockOffsetMs !== undefined;
const statusOf = (entries: Map<number, MeshNodeView>, port: number) => entries.get(port)?.status;

describe('nodes with a skewed clock (libfaketime)', () => {
  it('refuses a node 2 h ahead with clock-skew on both sides, saying by how much, while the honest nodes stay linked', async () => {
    const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
    const [a, b, c] = await Promise.all([
      start(portA, [portB, portC]),
      start(portB, [portA, portC]),
      start(portC, [portA, portB], TWO_HOURS_AHEAD),
    ]);
    // The skew is real: C's own clock says so.
    expect((await clockOf(c)) - (await clockOf(a))).toBeGreaterThan(TWO_HOURS - 60_000);

    const ahead = /^the peer's clock is 7(199|200)\.\d s ahead of this node's \((the peer's )?limit 30 s\)$/;
    const behind = /^the peer's clock is 7(199|200)\.\d s behind this node's \((the peer's )?limit 30 s\)$/;
    for (const [honest, other] of [
      [a, portB],
      [b, portA],
    ] as const) {
      const entries = await untilListed(honest, { [other]: connected, [portC]: skewed });
      const toC = statusOf(entries, portC);
      expect(toC).toMatchObject({
        state: 'error',
        reason: 'clock-skew',
        message: expect.stringMatching(ahead),
      });
      expect(Math.abs((toC?.clockOffsetMs ?? Number.NaN) - TWO_HOURS)).toBeLessThan(TOLERANCE_MS);
      // Same machine, same clock: the honest pair measures (almost) nothing.
      expect(Math.abs(statusOf(entries, other)?.clockOffsetMs ?? Number.NaN)).toBeLessThan(TOLERANCE_MS);
    }
    const atC = await untilListed(c, { [portA]: skewed, [portB]: skewed });
    for (const port of [portA, portB]) {
      const status = statusOf(atC, port);
      expect(status?.message).toMatch(behind);
      expect(Math.abs((status?.clockOffsetMs ?? Number.NaN) + TWO_HOURS)).toBeLessThan(TOLERANCE_MS);
    }
  });

  it('links the node 2 h ahead when the limit is raised above the skew, showing the offset', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const threeHours = { MESH_MAX_CLOCK_OFFSET_MS: String(3 * 3_600_000) };
    const [a, b] = await Promise.all([
      start(portA, [portB], threeHours),
      start(portB, [portA], { ...threeHours, ...TWO_HOURS_AHEAD }),
    ]);
    const atA = statusOf(await untilListed(a, { [portB]: connected }), portB);
    expect(Math.abs((atA?.clockOffsetMs ?? Number.NaN) - TWO_HOURS)).toBeLessThan(TOLERANCE_MS);
    const atB = statusOf(await untilListed(b, { [portA]: connected }), portA);
    expect(Math.abs((atB?.clockOffsetMs ?? Number.NaN) + TWO_HOURS)).toBeLessThan(TOLERANCE_MS);
  });
});
