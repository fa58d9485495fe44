import type { MeshTopology } from '../../src/mesh/topology/mesh-topology.js';
import { median, percentile } from '../common/stats.js';
import type { LanMesh } from './lan-mesh.js';
import type { GetResult, LinkChangeResult, ProbeTarget } from './lan-scale.types.js';
import { linkBetween } from './topology-watch.js';

/** p50, p99 and largest of a set of samples, ms. */
export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** One kind of change (the link cut, or restored): its samples over all changes. */
export interface TopologyChangeTimes {
  /** Per (change, receiver): from the PATCH's send until the receiver's `mesh.topology` event showed it. */
  arrivalMs: Percentiles;
  /** Per change: until the last receiver showed it. */
  lastMs: Percentiles;
  /** Per change: until the PATCH was answered. */
  answerMs: Percentiles;
  /** Changes some receiver did not show within the limit (left out of the samples above). */
  missed: number;
}

/** One change as measured: ms from the PATCH's send. */
export interface TopologyChangeSample {
  change: number;
  kind: 'cut' | 'restored';
  answerMs: number;
  /** Per receiver (node numbers as in `receivers`), undefined when it showed nothing in time. */
  arrivalsMs: Array<number | undefined>;
  lastMs?: number;
}

/** From unchecking (re-checking) one link on one end until every other node's topology shows it. */
export interface TopologyPropagation {
  nodes: number;
  changes: number;
  /** Node numbers (1-based): the end whose connect box is unchecked, and the other end. */
  link: [number, number];
  /** Node numbers of the receivers: every node but the link's ends. */
  receivers: number[];
  cut: TopologyChangeTimes;
  restored: TopologyChangeTimes;
  /** Characters of one `mesh.topology` event at this size (the whole view; median). */
  eventChars: number;
  samples: TopologyChangeSample[];
}

const ARRIVAL_LIMIT_MS = 30_000;
/** Until the link is connected again on every node before a change (and after a failure). */
const BASELINE_LIMIT_MS = 60_000;
/** After a restore, before the next cut: late events of the restore are not taken for the cut's. */
const QUIET_MS = 1_000;

/**
 * `changes` times: node `end + 1` unchecks node `other + 1` (`PATCH /api/mesh/nodes/:id
 * {connect:false}` on the first's admin API), then checks it again. The probe holds one `GET
 * /api/mesh/events` stream to every other node and takes, per receiver, the arrival time of the
 * first `mesh.topology` event after the PATCH's send that shows the link no longer connected
 * (resp. connected again); the probe's clock is the nodes' (one machine), so no polling error.
 */
export async function topologyPropagationRun(
  mesh: LanMesh,
  changes: number,
  end = 1,
  other = 2,
): Promise<TopologyPropagation> {
  if (mesh.size < 3) throw new Error('a topology change needs at least 3 nodes: two ends and a receiver');
  const receivers = mesh.nodes.flatMap((_, i) => (i === end || i === other ? [] : [i]));
  const bases = receivers.map((i) => mesh.base(i));
  const a = mesh.target(end).nodeId;
  const b = mesh.target(other).nodeId;
  const entryId = await listEntryId(mesh, end, mesh.target(other));
  const url = `${mesh.base(end)}/api/mesh/nodes/${entryId}`;
  const samples: TopologyChangeSample[] = [];
  const bytes: number[] = [];
  let unchecked = false;
  await untilConnectedEverywhere(mesh, a, b);
  await mesh.step({
    do: 'watch-topology',
    bases,
    limitMs: changes * 2 * (ARRIVAL_LIMIT_MS + BASELINE_LIMIT_MS + QUIET_MS) + 60_000,
  });
  try {
    for (let change = 1; change <= changes; change++) {
      for (const connect of [false, true]) {
        unchecked = true; // until a re-check is answered 200, the link may be unchecked
        const result = await mesh.step<LinkChangeResult>({
          do: 'link-change',
          url,
          method: 'PATCH',
          body: { connect },
          a,
          b,
          connected: connect,
          bases,
          limitMs: ARRIVAL_LIMIT_MS,
        });
        if (result.status !== 200)
          throw new Error(
            `PATCH connect:${connect} answered ${result.status}: ${JSON.stringify(result.body)}`,
          );
        if (connect) unchecked = false;
        const arrivalsMs = result.marks.map((mark) =>
          mark.at === undefined ? undefined : mark.at - result.sentAt,
        );
        const complete = arrivalsMs.every((ms) => ms !== undefined);
        samples.push({
          change,
          kind: connect ? 'restored' : 'cut',
          answerMs: result.answeredAt - result.sentAt,
          arrivalsMs,
          ...(complete && { lastMs: Math.max(...arrivalsMs) }),
        });
        for (const mark of result.marks) if (mark.bytes !== undefined) bytes.push(mark.bytes);
        const problems = result.marks.flatMap((mark, i) =>
          mark.problem === undefined ? [] : [`node ${(receivers[i] as number) + 1}: ${mark.problem}`],
        );
        if (problems.length > 0) throw new Error(`event streams failed: ${problems.join('; ')}`);
      }
      await pause(QUIET_MS);
      await untilConnectedEverywhere(mesh, a, b);
    }
  } finally {
    await mesh.step({ do: 'unwatch' }).catch(() => undefined);
    if (unchecked) {
      // Leave the mesh whole for the parts after this one.
      await mesh.step({ do: 'send', url, method: 'PATCH', body: { connect: true } }).catch(() => undefined);
      await untilConnectedEverywhere(mesh, a, b).catch(() => undefined);
    }
  }
  return {
    nodes: mesh.size,
    changes,
    link: [end + 1, other + 1],
    receivers: receivers.map((i) => i + 1),
    cut: times(samples.filter((s) => s.kind === 'cut')),
    restored: times(samples.filter((s) => s.kind === 'restored')),
    eventChars: median(bytes),
    samples,
  };
}

/** The id of `target`'s entry in node `at`'s list (`GET /api/mesh/nodes`). */
async function listEntryId(mesh: LanMesh, at: number, target: ProbeTarget): Promise<string> {
  const [list] = await mesh.step<GetResult[]>({ do: 'get', urls: [`${mesh.base(at)}/api/mesh/nodes`] });
  const entries = Array.isArray(list?.body) ? (list.body as Array<{ id?: unknown; nodeId?: unknown }>) : [];
  const entry = entries.find((e) => e.nodeId === target.nodeId);
  if (typeof entry?.id !== 'string' && typeof entry?.id !== 'number')
    throw new Error(`node ${at + 1} does not list ${target.nodeId} (${list?.status})`);
  return String(entry.id);
}

/** Polls every node's `GET /api/mesh/topology` until each shows the link `a`–`b` connected. */
async function untilConnectedEverywhere(mesh: LanMesh, a: string, b: string): Promise<void> {
  const urls = mesh.nodes.map((_, i) => `${mesh.base(i)}/api/mesh/topology`);
  const deadline = Date.now() + BASELINE_LIMIT_MS;
  let open = urls;
  while (open.length > 0) {
    const answers = await mesh.step<GetResult[]>({ do: 'get', urls: open });
    open = open.filter((_, i) => {
      const topology = answers[i]?.body as MeshTopology | undefined;
      return !(
        answers[i]?.status === 200 && linkBetween(topology as MeshTopology, a, b)?.state === 'connected'
      );
    });
    if (open.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the link is not shown connected by ${open.join(', ')}`);
    await pause(250);
  }
}

function times(samples: TopologyChangeSample[]): TopologyChangeTimes {
  const whole = samples.filter((s) => s.lastMs !== undefined);
  return {
    arrivalMs: percentiles(whole.flatMap((s) => s.arrivalsMs as number[])),
    lastMs: percentiles(whole.map((s) => s.lastMs as number)),
    answerMs: percentiles(samples.map((s) => s.answerMs)),
    missed: samples.length - whole.length,
  };
}

function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: values.length,
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
