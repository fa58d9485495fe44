import { afterEach, describe, expect, it } from '@jest/globals';
import type { MeshTopology } from '../../src/mesh/topology/mesh-topology.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { linkOf, setConnect, startThree, untilTopology } from '../helpers/topology-nodes.js';

const running: NodeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

async function metrics(node: NodeProcess): Promise<ReturnType<typeof parsePrometheusText>> {
  const response = await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return parsePrometheusText(await response.text());
}

function gauge(
  samples: ReturnType<typeof parsePrometheusText>,
  name: string,
  labels: Record<string, string> = {},
) {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  )?.value;
}

/** Reads `GET /api/mesh/events` until an event of `type` whose data satisfies `wanted`. */
async function untilEvent(
  node: NodeProcess,
  type: string,
  wanted: (data: MeshTopology) => boolean,
): Promise<MeshTopology> {
  const response = await fetch(`${node.httpUrl}/api/mesh/events`, {
    headers: { authorization: `Bearer ${node.adminToken}` },
    signal: AbortSignal.timeout(45_000),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(event)?.[1];
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (name !== type || data === undefined) continue;
        const parsed = JSON.parse(data) as MeshTopology;
        if (wanted(parsed)) return parsed;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

describe('GET /api/mesh/topology on three nodes', () => {
  it('shows the whole mesh from A: complete, a link one end unchecked missing with both views, a cut-off node as an island', async () => {
    const [a, b, c] = (await startThree('topology-api', running)) as [NodeProcess, NodeProcess, NodeProcess];

    expect((await a.api('/api/mesh/topology')).status).toBe(401);

    // Complete: three nodes, three links up, one island — the B–C link only B and C can tell.
    // Waits for both ends' reports of B–C too: `complete` needs one report per link, and C's may
    // arrive before B's.
    const full = await untilTopology(
      a,
      'a complete mesh, B–C reported by both ends',
      (t) => t.complete && t.nodes.length === 3 && linkOf(t, b, c)?.reportedBy.length === 2,
    );
    expect(full.islands).toEqual([[a.nodeId, b.nodeId, c.nodeId].sort()]);
    expect(full.missingLinks).toBe(0);
    expect(full.nodes.map((n) => ({ ...n, version: typeof n.version }))).toEqual(
      [a, b, c]
        .map((n) => ({
          nodeId: n.nodeId,
          host: '127.0.0.1',
          port: expect.any(Number),
          version: 'string',
          reachable: true,
        }))
        .sort((x, y) => (x.nodeId < y.nodeId ? -1 : 1)),
    );
    const bc = linkOf(full, b, c);
    expect(bc).toMatchObject({ state: 'connected', reportedBy: [b.nodeId, c.nodeId].sort() });
    expect(bc?.transport).toBe('tls');
    expect(typeof bc?.rttMs).toBe('number');
    // A's own links are A's own table's, whatever the peers say.
    expect(linkOf(full, a, b)).toMatchObject({ state: 'connected', reportedBy: [a.nodeId] });
    expect(typeof linkOf(full, a, b)?.rttMs).toBe('number');

    let samples = await metrics(a);
    expect(gauge(samples, 'ucmesh_mesh_nodes')).toBe(3);
    expect(gauge(samples, 'ucmesh_mesh_missing_links')).toBe(0);
    expect(gauge(samples, 'ucmesh_mesh_islands')).toBe(1);
    for (const peer of [b, c])
      expect(gauge(samples, 'ucmesh_link_rtt_seconds', { peer: peer.nodeId })).toBeGreaterThanOrEqual(0);

    // B unchecks C: the B–C link is missing; B's and C's views differ and both are shown.
    const event = untilEvent(a, 'mesh.topology', (t) => !t.complete && t.islands.length === 1);
    await setConnect(b, c, false);
    const missing = await untilTopology(
      a,
      'B–C missing with both views',
      (t) => linkOf(t, b, c)?.state === 'disabled' && linkOf(t, b, c)?.views?.length === 2,
    );
    expect(missing).toMatchObject({ complete: false, missingLinks: 1 });
    expect(missing.islands).toHaveLength(1);
    const views = Object.fromEntries((linkOf(missing, b, c)?.views ?? []).map((v) => [v.by, v]));
    expect(views[b.nodeId]).toMatchObject({ state: 'disabled' });
    expect(views[c.nodeId]).toMatchObject({ state: 'error', reason: 'disabled-remote' });
    expect((await event).missingLinks).toBe(1);
    samples = await metrics(a);
    expect(gauge(samples, 'ucmesh_mesh_missing_links')).toBe(1);

    // C unchecks A too: nothing links it to A and B any more — two islands, C not reachable.
    await setConnect(c, a, false);
    const split = await untilTopology(a, 'two islands', (t) => t.islands.length === 2);
    expect(split.islands).toEqual([[a.nodeId, b.nodeId].sort(), [c.nodeId]]);
    expect(split.nodes.find((n) => n.nodeId === c.nodeId)?.reachable).toBe(false);
    expect(linkOf(split, a, c)).toMatchObject({ state: 'error', reason: 'disabled-remote' });
    expect(split.missingLinks).toBe(2);
    samples = await metrics(a);
    expect(gauge(samples, 'ucmesh_mesh_islands')).toBe(2);
    expect(gauge(samples, 'ucmesh_link_rtt_seconds', { peer: c.nodeId })).toBeUndefined();

    // Checked again, the mesh is whole again.
    await setConnect(c, a, true);
    await setConnect(b, c, true);
    await untilTopology(a, 'complete again', (t) => t.complete && t.islands.length === 1);
  });
});
