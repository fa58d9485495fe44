import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLan, type LanHost } from '../../test/helpers/netns-lan.js';
import { CpuMeter } from '../common/cpu-meter.js';
import { cells, describeError, measure, type Measured, REPEAT_BUDGET_MS } from '../common/measure.js';
import { type Spread, spread } from '../common/stats.js';
import { formatCount, formatTable } from '../common/table.js';
import { benchLicense } from '../scale/bench-license.js';
import { epochMs } from '../scale/clock.js';
import type { NodeTimes, Sighting } from './discovery-bench.types.js';
import { LanNode, type LanNodeSettings, startAll } from './lan-node.js';

export interface DiscoverySuiteOptions {
  /** Nodes joining per search interval. */
  runs: number;
  /** Computers on the LAN: all but one form the mesh, the last one joins it in every run. */
  lanNodes: number;
  /** Search intervals (`MESH_DISCOVERY_INTERVAL_MS`) to measure with. */
  intervalsMs: number[];
  /** Cores other programs may use (see the link suite: wait for quiet, repeat noisy runs). */
  maxOtherLoad: number;
  /** Scratch folder: every host's PostgreSQL cluster and data folder. */
  workDir: string;
  log(line: string): void;
}

/** How long every node took to be seen by all the others once all of them were up. */
export interface Formation extends Sightings {
  nodes: number;
  /** Node start to ready, the slowest. */
  slowestStartMs: number;
}

/** From a node's `ready` (listening, search started) until the last of the others did it. */
interface Sightings {
  /** …listed it in its registry. */
  allListedMs: number;
  /** …had a link to it. */
  allLinkedMs: number;
}

/**
 * How the new node comes onto the LAN: it starts there, or it is started with its cable pulled
 * and the cable is plugged in once it is ready (times then count from the plug-in): the search
 * then finds it at its next interval, not through the announcement at its start.
 */
export type JoinKind = 'start' | 'plug-in';
const JOIN_KINDS: readonly JoinKind[] = ['start', 'plug-in'];

export interface JoinRun extends Measured, Sightings {
  /** The first peer listed it. */
  firstListedMs: number;
  /** The newcomer listed and linked every peer. */
  sawAllMs: number;
  /** Process start until ready: Node, its PostgreSQL, Nest, the TLS material. */
  startMs: number;
}

export interface DiscoveryScenario {
  intervalMs: number;
  join: JoinKind;
  runs: JoinRun[];
  failures: string[];
  repeated: number;
  /** Over the runs: the median is the p50. */
  allListedMs?: Spread;
  allLinkedMs?: Spread;
}

export interface DiscoverySuiteResult {
  lanNodes: number;
  /** Per interval, the peers' start: all at once. */
  formations: Array<Formation & { intervalMs: number }>;
  scenarios: DiscoveryScenario[];
}

const MESH_PORT = 7222;
/** Each newcomer gets a port of its own: peers still list the ones before for a few intervals. */
const NEWCOMER_PORTS = 7300;
/** Several intervals at the default of 5 s. */
const SIGHT_LIMIT_MS = 60_000;
const START_ALLOWANCE_MS = 120_000;

/**
 * Multicast DNS discovery on a LAN of network namespaces the suite creates (a bridge, a veth per
 * host; nothing in the root namespace, so no multicast leaves them): `lanNodes − 1` nodes start
 * at once and find each other; then, `runs` times each, a new node joins (it starts on the LAN, or
 * its cable is plugged in once it runs) and the suite times how long until every peer lists it and
 * has a link to it. Once per search interval.
 */
export async function runDiscoverySuite(options: DiscoverySuiteOptions): Promise<DiscoverySuiteResult> {
  const license = await benchLicense(options.lanNodes);
  const scenarios = options.intervalsMs.flatMap((intervalMs) =>
    JOIN_KINDS.map((join): DiscoveryScenario => ({ intervalMs, join, runs: [], failures: [], repeated: 0 })),
  );
  const formations: DiscoverySuiteResult['formations'] = [];
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log(`creating a LAN of ${options.lanNodes} network namespaces`);
  const lan = await createLan(options.lanNodes, { name: 'ucbench' });
  let databases = 0;
  try {
    const hosts = lan.hosts;
    const newcomerHost = hosts[hosts.length - 1] as LanHost;
    const peerHosts = hosts.slice(0, -1);
    for (const intervalMs of options.intervalsMs) {
      const ofInterval = scenarios.filter((s) => s.intervalMs === intervalMs);
      const settings: LanNodeSettings = {
        workDir: options.workDir,
        intervalMs,
        license,
        limitMs: START_ALLOWANCE_MS + SIGHT_LIMIT_MS * (2 + 6 * options.runs),
      };
      const label = `interval ${intervalMs} ms`;
      options.log(`${label}: starting ${peerHosts.length} nodes at once`);
      const peers = await startAll(
        peerHosts.map((host, i) => () => LanNode.start(host, i, MESH_PORT, `node_${++databases}`, settings)),
      );
      try {
        const { postgresPids: peerPostgres, ...formed } = await formation(peers);
        formations.push({ intervalMs, ...formed });
        options.log(
          `${label}: ${peers.length} nodes all listed after ${formatCount(formed.allListedMs)} ms, ` +
            `all linked after ${formatCount(formed.allLinkedMs)} ms (from the last one ready)`,
        );
        for (let run = 0; run < options.runs; run++) {
          for (const scenario of ofInterval) {
            const join = () => {
              const port = NEWCOMER_PORTS + ++databases;
              const newcomer = () =>
                LanNode.start(newcomerHost, hosts.length - 1, port, `node_${databases}`, {
                  ...settings,
                  limitMs: START_ALLOWANCE_MS + SIGHT_LIMIT_MS,
                });
              // Plugged in at a random moment of the search interval, as a person would.
              const cable =
                scenario.join === 'plug-in'
                  ? { set: (up: boolean) => lan.setLinkUp(newcomerHost, up), delayMs: randomInt(intervalMs) }
                  : undefined;
              return joinRun(peers, peerPostgres, newcomer, cable);
            };
            await measure(
              `${label} join by ${scenario.join} ${run + 1}/${options.runs}`,
              scenario,
              join,
              describeRun,
              repeatUntil,
              options,
            );
          }
        }
      } catch (error: unknown) {
        for (const scenario of ofInterval) scenario.failures.push(describeError(error));
        options.log(`${label}: FAILED ${describeError(error)}`);
      } finally {
        await Promise.all(peers.map((peer) => peer.stop()));
      }
    }
  } finally {
    await lan.destroy();
  }
  for (const scenario of scenarios) summarize(scenario);
  return { lanNodes: options.lanNodes, formations, scenarios };
}

/** Every peer started at once: from the last one's start until all list and link all the others. */
async function formation(peers: LanNode[]): Promise<Formation & { postgresPids: number[] }> {
  const times = await Promise.all(peers.map((peer) => peer.step<NodeTimes>({ do: 'times' })));
  const lastStart = Math.max(...times.map((t) => t.startingAt));
  const seen = await Promise.all(
    peers.map((peer) =>
      sighted(
        peer,
        peers.filter((other) => other !== peer),
      ),
    ),
  );
  return {
    postgresPids: postgresPids(times),
    nodes: peers.length,
    slowestStartMs: Math.max(...times.map((t) => t.readyAt - t.processStartedAt)),
    ...latest(seen.flat(), lastStart),
  };
}

/**
 * A new node joins the mesh; its own and all peers' sightings are timed from its start, or with
 * a `cable` from the moment that is plugged in (pulled before the start, plugged in `delayMs`
 * after it is ready).
 */
async function joinRun(
  peers: LanNode[],
  peerPostgres: number[],
  start: () => Promise<LanNode>,
  cable?: { set(up: boolean): Promise<void>; delayMs: number },
): Promise<JoinRun> {
  await cable?.set(false);
  let newcomer: LanNode | undefined;
  try {
    newcomer = await start();
    const times = await newcomer.step<NodeTimes>({ do: 'times' });
    const trees = [newcomer.process.pid, ...peers.map((peer) => peer.process.pid), ...peerPostgres];
    const meter = CpuMeter.start([], [...trees, ...postgresPids([times])]);
    let from = times.startingAt;
    if (cable) {
      await sleep(cable.delayMs);
      await cable.set(true);
      from = epochMs();
    }
    const [own, ...byPeers] = await Promise.all([
      sighted(newcomer, peers),
      ...peers.map((peer) => sighted(peer, [newcomer as LanNode])),
    ]);
    const seen = byPeers.flat();
    return {
      ...latest(seen, from),
      firstListedMs: Math.min(...seen.map((s) => s.listedAt as number)) - from,
      sawAllMs: latest(own, from).allLinkedMs,
      startMs: times.readyAt - times.processStartedAt,
      load: meter.stop(),
    };
  } finally {
    await newcomer?.stop();
    await cable?.set(true);
  }
}

/** `node`'s sightings of `others`; fails unless it listed and linked them all in time. */
async function sighted(node: LanNode, others: LanNode[]): Promise<Sighting[]> {
  const nodeIds = others.map((other) => other.nodeId);
  const seen = await node.step<Sighting[]>({ do: 'sighted', nodeIds, limitMs: SIGHT_LIMIT_MS });
  const missing = seen.filter((s) => s.listedAt === undefined || s.linkedAt === undefined);
  if (missing.length > 0) {
    const names = missing.map((s) => others.find((other) => other.nodeId === s.nodeId)?.host.address);
    throw new Error(
      `${node.host.address} did not list and link ${names.join(', ')} within ${SIGHT_LIMIT_MS} ms`,
    );
  }
  return seen;
}

/** PostgreSQL servers with their sessions are children of theirs, not of the nodes. */
function postgresPids(times: NodeTimes[]): number[] {
  return times.flatMap((t) => (t.postgresPid === undefined ? [] : [t.postgresPid]));
}

function latest(seen: Sighting[], from: number): Sightings {
  return {
    allListedMs: Math.max(...seen.map((s) => s.listedAt as number)) - from,
    allLinkedMs: Math.max(...seen.map((s) => s.linkedAt as number)) - from,
  };
}

function describeRun(run: JoinRun): string {
  return (
    `listed by all peers after ${formatCount(run.allListedMs)} ms (first ${formatCount(run.firstListedMs)} ms), ` +
    `linked by all after ${formatCount(run.allLinkedMs)} ms; it had all peers after ` +
    `${formatCount(run.sawAllMs)} ms; start ${formatCount(run.startMs)} ms`
  );
}

function summarize(scenario: DiscoveryScenario): void {
  if (scenario.runs.length === 0) return;
  scenario.allListedMs = spread(scenario.runs.map((run) => run.allListedMs));
  scenario.allLinkedMs = spread(scenario.runs.map((run) => run.allLinkedMs));
}

/** The tables printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatDiscoveryTables(result: DiscoverySuiteResult): string {
  const p50max = (value: Spread | undefined) =>
    value ? `${formatCount(value.median)} / ${formatCount(value.max)}` : '–';
  const join = formatTable(
    [
      'node joins',
      'by',
      'interval ms',
      'runs',
      'listed by all p50 / max ms',
      'linked by all p50 / max ms',
      'others (cores)',
    ],
    result.scenarios.map((s) => [
      `${result.lanNodes - 1} peers`,
      s.join,
      formatCount(s.intervalMs),
      cells.runs(s),
      p50max(s.allListedMs),
      p50max(s.allLinkedMs),
      cells.others(s.runs),
    ]),
  );
  const formed = formatTable(
    ['mesh forms', 'interval ms', 'all listed ms', 'all linked ms', 'slowest start ms'],
    result.formations.map((f) => [
      `${f.nodes} nodes at once`,
      formatCount(f.intervalMs),
      formatCount(f.allListedMs),
      formatCount(f.allLinkedMs),
      formatCount(f.slowestStartMs),
    ]),
  );
  return `${join}\n\n${formed}`;
}
