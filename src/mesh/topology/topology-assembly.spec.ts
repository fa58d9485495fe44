import { describe, expect, it } from '@jest/globals';
import type { LinkReport } from './link-report.js';
import { assembleTopology, type TopologyInput } from './topology-assembly.js';

const [A, B, C, D] = ['a', 'b', 'c', 'd'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`) as [
  string,
  string,
  string,
  string,
];
const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const PORTS: Record<string, number> = { [A]: 7301, [B]: 7302, [C]: 7303, [D]: 7304 };

function up(peer: string, rttMs = 1, since = T0): LinkReport {
  return {
    state: 'connected',
    transport: 'tls',
    rttMs,
    since,
    host: '127.0.0.1',
    port: PORTS[peer]!,
    version: 'uc-mesh/1',
  };
}
function down(
  peer: string,
  reason: string,
  state: LinkReport['state'] = 'error',
  since = T0 + 1000,
): LinkReport {
  return { state, reason, since, host: '127.0.0.1', port: PORTS[peer]! };
}
function table(entries: Array<[string, LinkReport]>): Map<string, LinkReport> {
  return new Map(entries);
}
function input(
  own: Array<[string, LinkReport]>,
  reports: Record<string, Array<[string, LinkReport]>>,
): TopologyInput {
  return {
    self: { nodeId: A, host: 'uc1', port: 7301, version: 'uc-mesh/1' },
    own: table(own),
    reports: new Map(Object.entries(reports).map(([by, entries]) => [by, table(entries)])),
  };
}
/**
 * A, B and C, each reporting the other two; B and C see their links to A up. `ab` is A's report
 * of B, `bc` B's of C, and so on; A's are up unless given.
 */
function triangle(links: {
  ab?: LinkReport;
  ac?: LinkReport;
  bc: LinkReport;
  cb: LinkReport;
}): TopologyInput {
  return input(
    [
      [B, links.ab ?? up(B)],
      [C, links.ac ?? up(C)],
    ],
    {
      [B]: [
        [A, up(A)],
        [C, links.bc],
      ],
      [C]: [
        [A, up(A)],
        [B, links.cb],
      ],
    },
  );
}
/** A link as `assembleTopology` shows one both ends (or `reportedBy`) report connected since T0. */
function connectedLink(a: string, b: string, rttMs: number, reportedBy: string[]) {
  return { a, b, state: 'connected', transport: 'tls', rttMs, since: '2026-12-07T10:00:00.000Z', reportedBy };
}

describe('assembleTopology', () => {
  it('shows a full mesh of three as complete, one island, every link once with the mean round trip', () => {
    const topology = assembleTopology(triangle({ ab: up(B, 1), ac: up(C, 2), bc: up(C, 3), cb: up(B, 5) }));
    expect(topology.complete).toBe(true);
    expect(topology.missingLinks).toBe(0);
    expect(topology.islands).toEqual([[A, B, C]]);
    expect(topology.nodes).toEqual([
      { nodeId: A, host: 'uc1', port: 7301, version: 'uc-mesh/1', reachable: true },
      { nodeId: B, host: '127.0.0.1', port: 7302, version: 'uc-mesh/1', reachable: true },
      { nodeId: C, host: '127.0.0.1', port: 7303, version: 'uc-mesh/1', reachable: true },
    ]);
    expect(topology.links).toEqual([
      connectedLink(A, B, 1, [A]),
      connectedLink(A, C, 2, [A]),
      connectedLink(B, C, 4, [B, C]),
    ]);
  });

  it('takes this node’s links from its own table only, never from a peer', () => {
    // B claims a link to A that A does not have, and A's own table says the link is down.
    const topology = assembleTopology(input([[B, down(B, 'timeout')]], { [B]: [[A, up(A)]] }));
    expect(topology.links).toEqual([
      expect.objectContaining({ a: A, b: B, state: 'error', reason: 'timeout', reportedBy: [A] }),
    ]);
    expect(topology.links[0]?.views).toBeUndefined();
  });

  it('shows a link one end unchecked as missing, with both ends’ views, in one island through the others', () => {
    const topology = assembleTopology(
      triangle({ bc: down(C, 'closed', 'disabled'), cb: down(B, 'disabled-remote') }),
    );
    expect(topology.complete).toBe(false);
    expect(topology.missingLinks).toBe(1);
    expect(topology.islands).toEqual([[A, B, C]]);
    const bc = topology.links.find((link) => link.a === B && link.b === C);
    expect(bc).toMatchObject({ state: 'disabled', reason: 'closed', reportedBy: [B, C] });
    expect(bc?.conflict).toBeUndefined();
    expect(bc?.views).toEqual([
      { by: B, state: 'disabled', reason: 'closed', since: '2026-12-07T10:00:01.000Z' },
      { by: C, state: 'error', reason: 'disabled-remote', since: '2026-12-07T10:00:01.000Z' },
    ]);
    expect(bc?.rttMs).toBeUndefined();
  });

  it('marks a conflict when one end says up and the other down, and does not count the link up', () => {
    const topology = assembleTopology(triangle({ bc: up(C), cb: down(B, 'connection-lost') }));
    const bc = topology.links.find((link) => link.a === B && link.b === C);
    expect(bc).toMatchObject({ state: 'error', reason: 'connection-lost', conflict: true });
    expect(bc?.views?.map((v) => [v.by, v.state])).toEqual([
      [B, 'connected'],
      [C, 'error'],
    ]);
    expect(topology.complete).toBe(false);
  });

  it('sets a cut-off node apart as its own island, not reachable', () => {
    const topology = assembleTopology(
      input(
        [
          [B, up(B)],
          [C, down(C, 'mesh-disabled-remote')],
        ],
        {
          [B]: [
            [A, up(A)],
            [C, down(C, 'mesh-disabled-remote')],
          ],
        },
      ),
    );
    expect(topology.islands).toEqual([[A, B], [C]]);
    expect(topology.nodes.find((node) => node.nodeId === C)?.reachable).toBe(false);
    expect(topology.nodes.find((node) => node.nodeId === B)?.reachable).toBe(true);
    expect(topology.missingLinks).toBe(2);
  });

  it('knows nodes only a peer reports, and counts pairs nobody reports as missing', () => {
    // A knows B; B knows D; nobody reports C–D or A–D.
    const topology = assembleTopology(
      input([[B, up(B)]], {
        [B]: [
          [A, up(A)],
          [D, up(D)],
        ],
      }),
    );
    expect(topology.nodes.map((node) => node.nodeId)).toEqual([A, B, D]);
    expect(topology.islands).toEqual([[A, B, D]]);
    expect(topology.links).toHaveLength(2);
    expect(topology.missingLinks).toBe(1);
    expect(topology.complete).toBe(false);
  });

  it('is complete alone', () => {
    expect(assembleTopology(input([], {}))).toMatchObject({
      complete: true,
      missingLinks: 0,
      islands: [[A]],
    });
  });
});
