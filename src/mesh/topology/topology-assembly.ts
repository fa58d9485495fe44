import { islands } from './islands.js';
import type { LinkReport } from './link-report.js';
import type {
  MeshTopology,
  TopologyLink,
  TopologyLinkState,
  TopologyLinkView,
  TopologyNode,
} from './mesh-topology.js';
import { tenths } from '../../common/tenths.js';

/** What the assembly works from: this node's own table and the link tables its peers shared. */
export interface TopologyInput {
  self: { nodeId: string; host: string; port: number; version: string };
  /** This node's own links, by peer node ID: the only source for links of this node. */
  own: ReadonlyMap<string, LinkReport>;
  /** Linked peers' tables (already checked), by reporter, then by the reporter's peer. */
  reports: ReadonlyMap<string, ReadonlyMap<string, LinkReport>>;
}

/** Of two differing views, the one shown: a deliberate `disabled` explains most, `connected` least. */
const SEVERITY: Record<TopologyLinkState, number> = {
  disabled: 4,
  error: 3,
  connecting: 2,
  idle: 1,
  connected: 0,
};

/**
 * The whole mesh from this node's and its peers' link tables. A link is reported by either end;
 * when both report, differing views are both kept. A link counts as up when every end that reports
 * it says `connected`; islands and `complete` follow from the links up. Nothing a peer says about
 * this node is used: this node's links are its own table's.
 */
export function assembleTopology(input: TopologyInput): MeshTopology {
  const self = input.self.nodeId;
  const views = new Map<string, TopologyLinkView[]>();
  const where = new Map<string, { host: string; port: number; version?: string }>();
  const known = new Set<string>([self]);

  const add = (by: string, peer: string, report: LinkReport): void => {
    known.add(peer);
    const key = pairKey(by, peer);
    let list = views.get(key);
    if (!list) views.set(key, (list = []));
    list.push(view(by, report));
  };
  const learn = (peer: string, report: LinkReport): void => {
    const seen = where.get(peer);
    if (!seen) where.set(peer, { host: report.host, port: report.port, version: report.version });
    else if (seen.version === undefined && report.version !== undefined) seen.version = report.version;
  };

  for (const [peer, report] of sorted(input.own)) {
    if (peer === self) continue;
    add(self, peer, report);
    learn(peer, report);
  }
  for (const [reporter, table] of sorted(input.reports)) {
    if (reporter === self) continue;
    known.add(reporter);
    for (const [peer, report] of sorted(table)) {
      // This node's links are this node's to tell.
      if (peer === self || peer === reporter) continue;
      add(reporter, peer, report);
      learn(peer, report);
    }
  }

  const links = [...views.entries()]
    .map(([key, list]) => combine(key, list))
    .sort((x, y) => compare(x.a, y.a) || compare(x.b, y.b));
  const up = links.filter(isUp).map((link): [string, string] => [link.a, link.b]);
  const nodeIds = [...known].sort();
  const groups = islands(nodeIds, up);
  const mine = new Set(groups.find((group) => group.includes(self)));
  const pairs = (nodeIds.length * (nodeIds.length - 1)) / 2;
  const nodes = nodeIds.map((nodeId): TopologyNode => {
    const place = nodeId === self ? input.self : where.get(nodeId);
    return {
      nodeId,
      host: place?.host ?? '',
      port: place?.port ?? 0,
      ...(place?.version !== undefined && { version: place.version }),
      reachable: mine.has(nodeId),
    };
  });
  return { nodes, links, islands: groups, complete: up.length === pairs, missingLinks: pairs - up.length };
}

/** A link is up when every end that reports it says so. */
export function isUp(link: Pick<TopologyLink, 'state' | 'views' | 'conflict'>): boolean {
  return link.state === 'connected' && link.conflict === undefined;
}

function combine(key: string, list: TopologyLinkView[]): TopologyLink {
  const [a, b] = key.split(' ') as [string, string];
  const worst = list.reduce((x, y) => (SEVERITY[y.state] > SEVERITY[x.state] ? y : x));
  const rtts = list.flatMap((v) => (v.rttMs === undefined ? [] : [v.rttMs]));
  const since = list
    .map((v) => v.since)
    .sort()
    .at(-1)!;
  const transport = worst.transport ?? list.find((v) => v.transport !== undefined)?.transport;
  const link: TopologyLink = {
    a,
    b,
    state: worst.state,
    ...(worst.reason !== undefined && { reason: worst.reason }),
    ...(worst.state === 'connected' && transport !== undefined && { transport }),
    ...(rtts.length > 0 && worst.state === 'connected' && { rttMs: tenths(mean(rtts)) }),
    since,
    reportedBy: list.map((v) => v.by).sort(),
  };
  const [first, second] = list;
  if (first && second && (first.state !== second.state || first.reason !== second.reason)) {
    link.views = [first, second].sort((x, y) => compare(x.by, y.by));
    if ((first.state === 'connected') !== (second.state === 'connected')) link.conflict = true;
  }
  return link;
}

function view(by: string, report: LinkReport): TopologyLinkView {
  return {
    by,
    state: report.state,
    ...(report.reason !== undefined && { reason: report.reason }),
    ...(report.transport !== undefined && { transport: report.transport }),
    ...(report.rttMs !== undefined && { rttMs: report.rttMs }),
    since: new Date(report.since).toISOString(),
  };
}

function pairKey(x: string, y: string): string {
  return x < y ? `${x} ${y}` : `${y} ${x}`;
}

function sorted<V>(map: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...map.entries()].sort(([x], [y]) => compare(x, y));
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
