import { setTimeout as sleep } from 'node:timers/promises';
import { median } from '../common/stats.js';
import type { LanMesh } from './lan-mesh.js';
import type { GetResult, LinkedMark, NodeEntry } from './lan-scale.types.js';
import { type MedianMax, medianMax, portDeltas } from './run-figures.js';

/** One node restarted again and again; the cost of each rejoin, and what the others kept. */
export interface Churn {
  nodes: number;
  restarts: number;
  seconds: number;
  /** Per restart: from the node's start banner until it lists every other node connected, ms. */
  relinkMs: MedianMax;
  /** Per restart: from its SIGTERM until it was linked to all again (stop, start, relink), ms. */
  outageMs: MedianMax;
  /** Per restart, its cable's bytes from the stop until relinked: sent, received. */
  rejoinTxBytes: number;
  rejoinRxBytes: number;
  /** Per restart, what all the other nodes sent meanwhile, summed (includes their idle traffic). */
  othersTxBytes: number;
  /** Afterwards: links between two other nodes that were re-established (lastConnectedAt changed). */
  disturbedLinks: number;
  /** Afterwards: node list entries that are not exactly the N−1 other nodes, connected. */
  staleEntries: number;
  /** Afterwards, with the topology endpoint: views not complete or not of N nodes; `null`: no endpoint. */
  staleTopologies: number | null;
  /** Restarts whose node did not relink within the limit. */
  failedRelinks: number;
}

const RELINK_LIMIT_MS = 60_000;
const SETTLE_LIMIT_MS = 120_000;

/**
 * Restarts node `churned` (SIGTERM, then the same database and folder: the same identity) every
 * `intervalSeconds` for `seconds`; afterwards checks every other node's list and topology view.
 */
export async function churnRun(
  mesh: LanMesh,
  churned: number,
  seconds: number,
  intervalSeconds: number,
): Promise<Churn> {
  const others = mesh.nodes.flatMap((_, i) => (i === churned ? [] : [i]));
  const churnedId = mesh.nodes[churned]?.nodeId ?? '';
  const before = await connectedSince(mesh, others, churnedId);
  const relinks: number[] = [];
  const outages: number[] = [];
  const tx: number[] = [];
  const rx: number[] = [];
  const othersTx: number[] = [];
  let failedRelinks = 0;
  const started = Date.now();
  const maxRestarts = Math.ceil(seconds / intervalSeconds) + 1;
  const allIds = mesh.nodes.map((node) => node.nodeId);
  for (let restart = 0; restart < maxRestarts && Date.now() - started < seconds * 1000; restart++) {
    const cycleStart = Date.now();
    const c0 = await mesh.portCounters();
    const { stoppedAt, node } = await mesh.restart(churned);
    const [mark] = await mesh.step<LinkedMark[]>({
      do: 'until-linked',
      targets: [mesh.target(churned)],
      nodeIds: allIds,
      topology: false,
      limitMs: RELINK_LIMIT_MS,
      intervalMs: 100,
    });
    const c1 = await mesh.portCounters();
    if (mark?.linkedAt === undefined) {
      failedRelinks++;
    } else {
      relinks.push(mark.linkedAt - (node.readyAt as number));
      outages.push(mark.linkedAt - stoppedAt);
      const sent = portDeltas(c0, c1, (c) => c.txBytes);
      const received = portDeltas(c0, c1, (c) => c.rxBytes);
      tx.push(sent[churned] as number);
      rx.push(received[churned] as number);
      othersTx.push(others.reduce((sum, i) => sum + (sent[i] as number), 0));
    }
    const rest = intervalSeconds * 1000 - (Date.now() - cycleStart);
    if (rest > 0) await sleep(rest);
  }
  // The last restart relinked; wait for the full mesh before judging the views.
  const settled = await mesh.step<LinkedMark[]>({
    do: 'until-linked',
    targets: mesh.nodes.map((_, i) => mesh.target(i)),
    nodeIds: allIds,
    topology: false,
    limitMs: SETTLE_LIMIT_MS,
    intervalMs: 250,
  });
  const after = await connectedSince(mesh, others, churnedId);
  let disturbedLinks = 0;
  for (const [pair, since] of before.since) if (after.since.get(pair) !== since) disturbedLinks++;
  const staleEntries = after.stale + settled.filter((mark) => mark.linkedAt === undefined).length;
  return {
    nodes: mesh.size,
    restarts: relinks.length + failedRelinks,
    seconds: (Date.now() - started) / 1000,
    relinkMs: medianMax(relinks),
    outageMs: medianMax(outages),
    rejoinTxBytes: median(tx),
    rejoinRxBytes: median(rx),
    othersTxBytes: median(othersTx),
    disturbedLinks,
    staleEntries,
    staleTopologies: await staleTopologies(mesh),
    failedRelinks,
  };
}

/**
 * Each listed node's `lastConnectedAt` per pair of other nodes (the churned one left out), and
 * the entries that are not exactly the N−1 other nodes, once each, connected.
 */
async function connectedSince(
  mesh: LanMesh,
  indexes: number[],
  churnedId: string,
): Promise<{ since: Map<string, string | undefined>; stale: number }> {
  const lists = await mesh.step<GetResult[]>({
    do: 'get',
    urls: indexes.map((i) => `${mesh.base(i)}/api/mesh/nodes`),
  });
  const ids = new Set(mesh.nodes.map((node) => node.nodeId));
  const since = new Map<string, string | undefined>();
  let stale = 0;
  for (const [k, answer] of lists.entries()) {
    const self = mesh.nodes[indexes[k] as number]?.nodeId;
    const entries = Array.isArray(answer.body) ? (answer.body as NodeEntry[]) : [];
    const seen = new Set<string>();
    for (const entry of entries) {
      const wanted =
        entry.nodeId !== null && entry.nodeId !== self && ids.has(entry.nodeId) && !seen.has(entry.nodeId);
      if (!wanted || entry.status.state !== 'connected') stale++;
      if (entry.nodeId !== null) seen.add(entry.nodeId);
      if (entry.nodeId !== null && entry.nodeId !== churnedId) {
        since.set(`${self} ${entry.nodeId}`, entry.status.lastConnectedAt);
      }
    }
    // Nodes it does not list at all.
    stale += [...ids].filter((id) => id !== self && !seen.has(id)).length;
  }
  return { since, stale };
}

/** Views of the topology that are not complete, or not of every node; `null` without the endpoint. */
async function staleTopologies(mesh: LanMesh): Promise<number | null> {
  const views = await mesh.step<GetResult[]>({
    do: 'get',
    urls: mesh.nodes.map((_, i) => `${mesh.base(i)}/api/mesh/topology`),
  });
  if (views.some((view) => view.status === 404)) return null;
  return views.filter((view) => {
    const body = view.body as { complete?: unknown; nodes?: unknown };
    return body.complete !== true || (Array.isArray(body.nodes) && body.nodes.length !== mesh.size);
  }).length;
}
