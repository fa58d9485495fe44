import { BenchDatabase } from '../common/bench-database.js';
import { CpuMeter } from '../common/cpu-meter.js';
import { cells, measure, type Measured, REPEAT_BUDGET_MS } from '../common/measure.js';
import { median, type Spread, spread } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import { benchLicense } from './bench-license.js';
import { epochMs } from './clock.js';
import { fanOut, type FanOutResult } from './fan-out-run.js';
import type { LinkStepResult, MemorySample } from './scale-bench.types.js';
import { type ClusterContext, ScaleCluster } from './scale-cluster.js';
import { rotated } from '../common/run-order.js';

export interface ScaleSuiteOptions {
  /** Runs of every mesh size; the sizes alternate within each round. */
  runs: number;
  /** Mesh sizes, in nodes. */
  nodeCounts: number[];
  /** Broadcast calls per fan-out run: by one node, or shared out among all nodes at once. */
  broadcasts: number;
  /** Upper bound of each fan-out run's sending. */
  timeLimitMs: number;
  /** Cores other programs may use (see the link suite: wait for quiet, repeat noisy runs). */
  maxOtherLoad: number;
  /** Scratch folder: the embedded database and the nodes' data folders. */
  workDir: string;
  log(line: string): void;
}

/** Process memory summed over every node, in bytes. */
interface MemoryTotals {
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  external: number;
}

export interface ScaleRun extends Measured {
  nodes: number;
  /** Links of the full mesh: n(n−1)/2, each with an end in two processes. */
  links: number;
  /** From the moment every node was told its peers until the last node had all its links. */
  fullMeshMs: number;
  /** The same per node, median over the nodes. */
  nodeFullMsMedian: number;
  /** `mesh.link.up` events of all nodes; 2 per link without duplicates. */
  linkUps: number;
  /** Failed dials and refused inbound links while linking, all nodes, by `direction reason`. */
  failures: Record<string, number>;
  memoryBefore: MemoryTotals;
  memoryAfter: MemoryTotals;
  /** (after − before) / links: what one link costs, both its ends together. */
  rssPerLinkBytes: number;
  /** The same for RSS without mapped files: code pages come and go with use, not with links. */
  rssAnonPerLinkBytes: number;
  heapPerLinkBytes: number;
  oneToAll: FanOutResult;
  allToAll: FanOutResult;
}

export interface ScaleScenario {
  nodes: number;
  runs: ScaleRun[];
  failures: string[];
  repeated: number;
  fullMeshMs?: Spread;
  rssPerLinkBytes?: Spread;
  rssAnonPerLinkBytes?: Spread;
  heapPerLinkBytes?: Spread;
  /** RSS of one idle node before linking (all nodes' mean), median over runs. */
  rssPerNodeBytes?: number;
  oneToAllPerSecond?: Spread;
  allToAllPerSecond?: Spread;
}

/**
 * What one more link costs, both ends, without what a node spends once on its first links (TLS
 * context, compiled code, caches): from the growth per node between the smallest and the largest
 * mesh, whose nodes have n−1 links each.
 */
export interface MarginalLinkCost {
  between: [number, number];
  rssBytes: number;
  rssAnonBytes: number;
  heapBytes: number;
}

export interface ScaleSuiteResult {
  scenarios: ScaleScenario[];
  marginalPerLink?: MarginalLinkCost;
}

/** Starting 32 Nest processes at once on 2 cores takes a while; linking and fan-outs come on top. */
const START_ALLOWANCE_MS = 180_000;
const LINK_LIMIT_MS = 60_000;
/** Sessions of every node's pool, with room to spare over PostgreSQL's default of 100. */
const SERVER_SETTINGS = { max_connections: '600' };

/**
 * A full mesh of `n` node processes on 127.0.0.1, each a mesh node with a database of its own on
 * one embedded PostgreSQL: how long until every node has a link to every other once all are told
 * their peers, what a link costs in memory, and how fast `broadcast` fans out.
 */
export async function runScaleSuite(options: ScaleSuiteOptions): Promise<ScaleSuiteResult> {
  const scenarios = options.nodeCounts.map((nodes): ScaleScenario => ({
    nodes,
    runs: [],
    failures: [],
    repeated: 0,
  }));
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log('starting the embedded PostgreSQL that holds the nodes’ databases');
  let database = await BenchDatabase.start(options.workDir);
  try {
    // max_connections takes a restart.
    await database.configure(SERVER_SETTINGS);
    await database.stop();
    database = await BenchDatabase.start(options.workDir);
    const context: ClusterContext = {
      database,
      workDir: options.workDir,
      license: await benchLicense(Math.max(...options.nodeCounts)),
      limitMs: START_ALLOWANCE_MS + LINK_LIMIT_MS + 2 * (options.timeLimitMs + 60_000),
      databases: 0,
    };
    for (let round = 0; round < options.runs; round++) {
      for (const scenario of rotated(scenarios, round)) {
        await measure(
          `round ${round + 1}/${options.runs} ${scenario.nodes} nodes`,
          scenario,
          () => run(scenario.nodes, context, database.serverPid(), options),
          describeRun,
          repeatUntil,
          options,
        );
      }
    }
  } finally {
    await database.stop();
  }
  for (const scenario of scenarios) summarize(scenario);
  return { scenarios, marginalPerLink: marginalCost(scenarios) };
}

async function run(
  size: number,
  context: ClusterContext,
  postgres: number | undefined,
  options: ScaleSuiteOptions,
): Promise<ScaleRun> {
  const cluster = await ScaleCluster.start(size, context);
  try {
    const meter = CpuMeter.start([], [...cluster.pids, ...(postgres === undefined ? [] : [postgres])]);
    const before = await cluster.steps<MemorySample>(() => ({ do: 'memory' }));
    const peersOf = (i: number) =>
      cluster.nodes.filter((_, j) => j !== i).map((node) => ({ host: '127.0.0.1', port: node.port }));
    const told = epochMs();
    const linked = await cluster.steps<LinkStepResult>((i) => ({
      do: 'link',
      peers: peersOf(i),
      limitMs: LINK_LIMIT_MS,
    }));
    const missing = linked.filter((node) => node.fullAt === undefined);
    if (missing.length > 0) {
      throw new Error(
        `${missing.length} of ${size} nodes not fully linked within ${LINK_LIMIT_MS} ms ` +
          `(links: ${missing.map((node) => node.links).join(', ')} of ${size - 1})`,
      );
    }
    const after = await cluster.steps<MemorySample>(() => ({ do: 'memory' }));
    const dropped = after.filter((sample) => sample.links !== size - 1).length;
    if (dropped > 0) throw new Error(`${dropped} nodes lost links after the mesh was full`);
    const oneToAll = await fanOut(cluster, [0], options.broadcasts, options.timeLimitMs);
    const allToAll = await fanOut(
      cluster,
      cluster.nodes.map((_, i) => i),
      Math.ceil(options.broadcasts / size),
      options.timeLimitMs,
    );
    const load = meter.stop();
    const links = (size * (size - 1)) / 2;
    const memoryBefore = totals(before);
    const memoryAfter = totals(after);
    const nodeFullMs = linked.map((node) => (node.fullAt as number) - told);
    const failures: Record<string, number> = {};
    for (const node of linked) {
      for (const [key, count] of Object.entries(node.failures)) failures[key] = (failures[key] ?? 0) + count;
    }
    return {
      nodes: size,
      links,
      fullMeshMs: Math.max(...nodeFullMs),
      nodeFullMsMedian: median(nodeFullMs),
      linkUps: linked.reduce((sum, node) => sum + node.linkUps, 0),
      failures,
      memoryBefore,
      memoryAfter,
      rssPerLinkBytes: (memoryAfter.rss - memoryBefore.rss) / links,
      rssAnonPerLinkBytes: (memoryAfter.rssAnon - memoryBefore.rssAnon) / links,
      heapPerLinkBytes: (memoryAfter.heapUsed - memoryBefore.heapUsed) / links,
      oneToAll,
      allToAll,
      load,
    };
  } finally {
    await cluster.stop();
  }
}

function totals(samples: MemorySample[]): MemoryTotals {
  const sum = (pick: (sample: MemorySample) => number) => samples.reduce((total, s) => total + pick(s), 0);
  return {
    rss: sum((s) => s.rss),
    rssAnon: sum((s) => s.rssAnon),
    rssFile: sum((s) => s.rssFile),
    heapUsed: sum((s) => s.heapUsed),
    external: sum((s) => s.external),
  };
}

const failureCount = (run: ScaleRun) => Object.values(run.failures).reduce((sum, count) => sum + count, 0);

function describeRun(run: ScaleRun): string {
  return (
    `full mesh in ${formatCount(run.fullMeshMs)} ms (node median ${formatCount(run.nodeFullMsMedian)} ms, ` +
    `${run.linkUps} link-ups, ${failureCount(run)} failed dials/refusals); ` +
    `${formatFixed(run.rssPerLinkBytes / 1024)} KiB RSS (${formatFixed(run.rssAnonPerLinkBytes / 1024)} ` +
    `anonymous), ${formatFixed(run.heapPerLinkBytes / 1024)} KiB ` +
    `heap per link; fan-out ${formatCount(run.oneToAll.deliveriesPerSecond)} deliveries/s from one node, ` +
    `${formatCount(run.allToAll.deliveriesPerSecond)} from all`
  );
}

function summarize(scenario: ScaleScenario): void {
  const { runs } = scenario;
  if (runs.length === 0) return;
  scenario.fullMeshMs = spread(runs.map((run) => run.fullMeshMs));
  scenario.rssPerLinkBytes = spread(runs.map((run) => run.rssPerLinkBytes));
  scenario.rssAnonPerLinkBytes = spread(runs.map((run) => run.rssAnonPerLinkBytes));
  scenario.heapPerLinkBytes = spread(runs.map((run) => run.heapPerLinkBytes));
  scenario.rssPerNodeBytes = median(runs.map((run) => run.memoryBefore.rss / run.nodes));
  scenario.oneToAllPerSecond = spread(runs.map((run) => run.oneToAll.deliveriesPerSecond));
  scenario.allToAllPerSecond = spread(runs.map((run) => run.allToAll.deliveriesPerSecond));
}

function marginalCost(scenarios: ScaleScenario[]): MarginalLinkCost | undefined {
  const measured = scenarios.filter((s) => s.runs.length > 0).sort((a, b) => a.nodes - b.nodes);
  const small = measured[0];
  const large = measured[measured.length - 1];
  if (!small || !large || small.nodes === large.nodes) return undefined;
  /** Median growth of one node while linking; (n−1) link ends each. */
  const perNode = (s: ScaleScenario, pick: (m: MemoryTotals) => number) =>
    median(s.runs.map((run) => (pick(run.memoryAfter) - pick(run.memoryBefore)) / run.nodes));
  const perLink = (pick: (m: MemoryTotals) => number) =>
    (2 * (perNode(large, pick) - perNode(small, pick))) / (large.nodes - small.nodes);
  return {
    between: [small.nodes, large.nodes],
    rssBytes: perLink((m) => m.rss),
    rssAnonBytes: perLink((m) => m.rssAnon),
    heapBytes: perLink((m) => m.heapUsed),
  };
}

/** The table printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatScaleTables(result: ScaleSuiteResult): string {
  const withRange = (value: Spread | undefined, format: (n: number) => string) =>
    value ? `${format(value.median)} (${format(value.min)} – ${format(value.max)})` : '–';
  const kib = (bytes: number) => formatFixed(bytes / 1024);
  const marginal = result.marginalPerLink;
  const note = marginal
    ? `\n\none more link (both ends), from the growth per node between ${marginal.between[0]} and ` +
      `${marginal.between[1]} nodes: ${kib(marginal.rssBytes)} KiB RSS (${kib(marginal.rssAnonBytes)} KiB ` +
      `anonymous), ${kib(marginal.heapBytes)} KiB heap`
    : '';
  const table = formatTable(
    [
      'full mesh',
      'runs',
      'links',
      'all linked after ms',
      'failed dials (median)',
      'RSS/link KiB',
      'anon RSS/link KiB',
      'heap/link KiB',
      'idle node RSS MiB',
      '1→all deliveries/s',
      'all→all deliveries/s',
      'others (cores)',
    ],
    result.scenarios.map((s) => [
      `${s.nodes} nodes`,
      cells.runs(s),
      formatCount((s.nodes * (s.nodes - 1)) / 2),
      withRange(s.fullMeshMs, formatCount),
      s.runs.length > 0 ? formatCount(median(s.runs.map(failureCount))) : '–',
      withRange(s.rssPerLinkBytes, kib),
      withRange(s.rssAnonPerLinkBytes, kib),
      withRange(s.heapPerLinkBytes, kib),
      s.rssPerNodeBytes === undefined ? '–' : formatFixed(s.rssPerNodeBytes / 2 ** 20),
      withRange(s.oneToAllPerSecond, formatCount),
      withRange(s.allToAllPerSecond, formatCount),
      cells.others(s.runs),
    ]),
  );
  return `${table}${note}`;
}
