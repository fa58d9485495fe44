import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import { cells, describeError } from '../common/measure.js';
import { MIB } from '../common/process-memory.js';
import { type Spread, spread } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import { benchLicense } from '../scale/bench-license.js';
import { type Churn, churnRun } from './churn-run.js';
import { type FormationRun, formationRun } from './formation-run.js';
import { type IdleCost, idleCostRun } from './idle-cost-run.js';
import { type JoinMode, LanMesh, NAMESPACE_PREFIX } from './lan-mesh.js';
import { checkNodeBuilt, NODE_MAIN, PRESENCE_NODE_MAIN } from './lan-node-process.js';
import { removeLeftovers } from './leftovers.js';
import { callDataChanges, type Propagation, presenceChanges, propagationRun } from './propagation-run.js';
import { type TopologyPropagation, topologyPropagationRun } from './topology-propagation-run.js';

/** The suite's parts, in the order they run; `formation` always runs. */
export const LAN_SCALE_PARTS = ['formation', 'idle', 'propagation', 'presence', 'topology', 'churn'] as const;
export type LanScalePart = (typeof LAN_SCALE_PARTS)[number];

export interface LanScaleSuiteOptions {
  /** Runs of every size and join mode… */
  runs: number;
  /** …but at most this many for meshes of more than 32 nodes (64 processes on two cores take long). */
  largeRuns: number;
  lanSizes: number[];
  joinModes: JoinMode[];
  /** Formation is always measured; the others on the first run (idle: of every size and mode). */
  parts: LanScalePart[];
  idleSeconds: number;
  /** Seconds of quiet after formation before the idle traffic is measured. */
  idleSettleSeconds: number;
  /** Size at which propagation, topology and churn are measured (on its first run, first join mode). */
  detailSize: number;
  /** CallData changes (propagation), presence entries and link cut-and-restore pairs (topology) timed. */
  changes: number;
  churnSeconds: number;
  churnIntervalSeconds: number;
  /**
   * Where every node writes a V8 CPU profile (`<dir>/<join mode>_<run>/node-<i>/`, on exit); the
   * formation window to cut them to is in the run's result. Undefined: no profiles.
   */
  cpuProfileDir?: string;
  /** `MESH_ENCRYPTION` of every node; undefined: its default (TLS with a generated certificate). */
  meshEncryption?: EncryptionMode;
  workDir: string;
  log(line: string): void;
}

export interface FormationScenario {
  nodes: number;
  mode: JoinMode;
  runs: FormationRun[];
  failures: string[];
  repeated: number;
  fullMeshMs?: Spread;
  topologyMs?: Spread;
}

export interface LanScaleSuiteResult {
  scenarios: FormationScenario[];
  idle: Array<IdleCost & { mode: JoinMode }>;
  /**
   * Per node and second, wire bytes = fixedBytes + perLinkBytes × (N − 1): least squares over the
   * sizes measured (two sizes: the line through both), per join mode. A flat cost shows as a small
   * `perLinkBytes`; a cost that grows with the mesh as a large one.
   */
  idleLaw: Array<{ mode: JoinMode; fixedBytes: number; perLinkBytes: number; sizes: number[] }>;
  /** RSS and heap of one more link at one end: the growth per node between the smallest and largest size. */
  perLink?: { between: [number, number]; rssBytes: number; heapBytes: number };
  /** Of a CallData field. */
  propagation?: Propagation;
  /** Of a node-owned state entry (a user's presence). */
  presence?: Propagation;
  topology?: TopologyPropagation;
  churn?: Churn;
  /** Parts that failed: their error. */
  partFailures: string[];
}

/** Watchdog of the probe: the whole suite at its longest. */
const PROBE_LIMIT_MS = 6 * 3_600_000;

/**
 * UC Mesh on a LAN of network namespaces (issue 20): `dist/main.js` per host, formation by one
 * address or by the search, memory, idle traffic, CallData and topology propagation and churn.
 */
export async function runLanScaleSuite(options: LanScaleSuiteOptions): Promise<LanScaleSuiteResult> {
  checkNodeBuilt();
  const removed = await removeLeftovers(NAMESPACE_PREFIX, options.workDir);
  if (removed.length > 0) options.log(`removed leftovers of an aborted run: ${removed.join(', ')}`);
  const license = await benchLicense(Math.max(...options.lanSizes));
  const result: LanScaleSuiteResult = { scenarios: [], idle: [], idleLaw: [], partFailures: [] };
  const parts = new Set(options.parts);
  for (const size of options.lanSizes) {
    options.log(`${size} nodes: creating the LAN (${size + 1} namespaces) and the shared PostgreSQL`);
    const mesh = await LanMesh.create(size, options.workDir, license, PROBE_LIMIT_MS);
    mesh.meshEncryption = options.meshEncryption;
    const killOnExit = () => mesh.killAll();
    process.once('exit', killOnExit);
    try {
      const runs = size > 32 ? Math.min(options.runs, options.largeRuns) : options.runs;
      for (let run = 0; run < runs; run++) {
        for (const mode of options.joinModes) {
          let scenario = result.scenarios.find((s) => s.nodes === size && s.mode === mode);
          if (!scenario) {
            scenario = { nodes: size, mode, runs: [], failures: [], repeated: 0 };
            result.scenarios.push(scenario);
          }
          const label = `${size} nodes, join by ${mode}, run ${run + 1}/${runs}`;
          const runId = `${mode}_${run + 1}`;
          const profileDir =
            options.cpuProfileDir === undefined ? undefined : join(options.cpuProfileDir, runId);
          const detail = run === 0 && size === options.detailSize && mode === options.joinModes[0];
          // The presence feature runs only where it is timed: the other runs are of the plain node.
          mesh.nodeScript = detail && parts.has('presence') ? PRESENCE_NODE_MAIN : NODE_MAIN;
          try {
            const formed = await formationRun(mesh, mode, runId, profileDir);
            scenario.runs.push(formed);
            options.log(`${label}: ${describeFormation(formed)}`);
            const extra = async (part: LanScalePart, work: () => Promise<void>) => {
              try {
                await work();
              } catch (error: unknown) {
                result.partFailures.push(`${label}, ${part}: ${describeError(error)}`);
                options.log(`${label}, ${part}: FAILED ${describeError(error)}`);
              }
            };
            if (run === 0 && parts.has('idle')) {
              await extra('idle', async () => {
                const idle = await idleCostRun(mesh, options.idleSeconds, options.idleSettleSeconds);
                result.idle.push({ ...idle, mode });
                options.log(`${label}: idle ${describeIdle(idle)}`);
              });
            }
            if (detail && parts.has('propagation')) {
              await extra('propagation', async () => {
                const changes = callDataChanges(`bench-${runId}`);
                result.propagation = await propagationRun(mesh, options.changes, 1, changes);
                options.log(`${label}: propagation ${JSON.stringify(result.propagation)}`);
              });
            }
            if (detail && parts.has('presence')) {
              await extra('presence', async () => {
                const changes = presenceChanges(`user-${runId}`);
                result.presence = await propagationRun(mesh, options.changes, 1, changes);
                options.log(`${label}: presence ${JSON.stringify(result.presence)}`);
              });
            }
            if (detail && parts.has('topology')) {
              await extra('topology', async () => {
                result.topology = await topologyPropagationRun(mesh, options.changes);
                options.log(`${label}: topology ${describeTopology(result.topology)}`);
              });
            }
            if (detail && parts.has('churn')) {
              await extra('churn', async () => {
                result.churn = await churnRun(
                  mesh,
                  size - 1,
                  options.churnSeconds,
                  options.churnIntervalSeconds,
                );
                options.log(`${label}: churn ${JSON.stringify(result.churn)}`);
              });
            }
          } catch (error: unknown) {
            scenario.failures.push(describeError(error));
            options.log(`${label}: FAILED ${describeError(error)}`);
          } finally {
            await mesh.stopNodes();
            await mesh.dropDatabases(runId).catch(() => undefined);
            if (profileDir !== undefined) options.log(`${label}: ${await countProfiles(profileDir, size)}`);
          }
        }
      }
    } finally {
      await mesh.destroy();
      process.off('exit', killOnExit);
    }
  }
  summarize(result);
  return result;
}

function summarize(result: LanScaleSuiteResult): void {
  for (const scenario of result.scenarios) {
    if (scenario.runs.length === 0) continue;
    scenario.fullMeshMs = spread(scenario.runs.map((run) => run.fullMeshMs));
    const topology = scenario.runs.flatMap((run) => (run.topologyMs === null ? [] : [run.topologyMs]));
    if (topology.length > 0) scenario.topologyMs = spread(topology);
  }
  for (const mode of new Set(result.idle.map((idle) => idle.mode))) {
    const points = result.idle.filter((idle) => idle.mode === mode);
    const x = points.map((p) => p.nodes - 1);
    const y = points.map((p) => p.wireBytesPerSecond.median);
    if (new Set(x).size < 2) continue;
    const [mx, my] = [x, y].map((v) => v.reduce((s, value) => s + value, 0) / v.length) as [number, number];
    const slope =
      x.reduce((s, xi, i) => s + (xi - mx) * ((y[i] as number) - my), 0) /
      x.reduce((s, xi) => s + (xi - mx) ** 2, 0);
    result.idleLaw.push({
      mode,
      fixedBytes: my - slope * mx,
      perLinkBytes: slope,
      sizes: points.map((p) => p.nodes),
    });
  }
  const bySize = result.scenarios.filter((s) => s.runs.length > 0).sort((a, b) => a.nodes - b.nodes);
  const small = bySize[0];
  const large = bySize[bySize.length - 1];
  if (small && large && large.nodes > small.nodes) {
    const med = (s: FormationScenario, pick: (run: FormationRun) => number) =>
      spread(s.runs.map(pick)).median;
    const links = large.nodes - small.nodes;
    result.perLink = {
      between: [small.nodes, large.nodes],
      rssBytes: (med(large, (r) => r.rssMedian) - med(small, (r) => r.rssMedian)) / links,
      heapBytes: (med(large, (r) => r.heapMedian) - med(small, (r) => r.heapMedian)) / links,
    };
  }
}

/** How many nodes left a CPU profile: a node killed instead of stopped writes none. */
async function countProfiles(dir: string, size: number): Promise<string> {
  let written = 0;
  for (let i = 1; i <= size; i++) {
    const files = await readdir(join(dir, `node-${i}`)).catch(() => []);
    if (files.some((file) => file.endsWith('.cpuprofile'))) written++;
  }
  return `CPU profiles of ${written} of ${size} nodes in ${dir}`;
}

function describeFormation(run: FormationRun): string {
  const topology = run.topologyMs === null ? 'n/a' : `${formatCount(run.topologyMs)} ms`;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const { cpu } = run;
  return (
    `full mesh ${formatCount(run.fullMeshMs)} ms after the last start (starts spanned ` +
    `${formatFixed(run.startSpanMs / 1000)} s), topology complete ${topology}; RSS ` +
    `${formatFixed(run.rssMedian / MIB)} MiB, heap ${formatFixed(run.heapMedian / MIB)} MiB per node; ` +
    `load average ${formatFixed(run.loadAverage)}; CPU s until the last start: nodes ` +
    `${formatFixed(sum(cpu.nodesUntilLastReady))}, PostgreSQL ${formatFixed(cpu.postgresUntilLastReady)}; ` +
    `then over ${formatFixed(cpu.formedSeconds)} s until formed: nodes ${formatFixed(sum(cpu.nodesUntilFormed))} ` +
    `(median ${formatFixed(spread(cpu.nodesUntilFormed).median, 2)} per node), PostgreSQL ` +
    `${formatFixed(cpu.postgresUntilFormed)}, probe ${formatFixed(cpu.probeUntilFormed)}`
  );
}

function describeTopology(t: TopologyPropagation): string {
  const kind = (name: string, k: TopologyPropagation['cut']) =>
    `${name}: per receiver p50 ${formatFixed(k.arrivalMs.p50)} / p99 ${formatFixed(k.arrivalMs.p99)} / max ` +
    `${formatFixed(k.arrivalMs.max)} ms, last receiver p50 ${formatFixed(k.lastMs.p50)} / max ` +
    `${formatFixed(k.lastMs.max)} ms, PATCH answered p50 ${formatFixed(k.answerMs.p50)} ms, missed ${k.missed}`;
  const perChange = t.samples.map(
    (s) =>
      `\n  ${s.kind} ${s.change}: answered ${s.answerMs} ms, receivers ` +
      s.arrivalsMs.map((ms) => (ms === undefined ? '–' : String(ms))).join(' '),
  );
  return (
    `node ${t.link[0]} unchecks node ${t.link[1]}, ${t.changes}×; ${kind('cut', t.cut)}; ` +
    `${kind('restored', t.restored)}; one topology event ${formatCount(t.eventChars)} chars${perChange.join('')}`
  );
}

function describeIdle(idle: IdleCost): string {
  const topics = (census: IdleCost['census'], per: number) =>
    topFrames(census, 8)
      .map(
        ([label, count]) =>
          `${label} ${formatFixed(count.frames / census.seconds / per)}/s ` +
          `${formatCount(count.wireBytes / census.seconds / per)} B/s`,
      )
      .join(', ');
  const { census } = idle;
  return (
    `${formatCount(idle.wireBytesPerSecond.median)} B/s per node on the wire ` +
    `(${formatFixed(idle.wirePacketsPerSecond.median)} packets/s), ${formatFixed(idle.meshFramesPerSecond)} ` +
    `mesh frames/s of ${formatFixed(idle.meshFrameBytes)} B; node 2's frames by wire B/s: ` +
    `${topics(census, 1)}; undecoded ${formatCount(census.undecoded.wireBytes / census.seconds)} B/s; ` +
    `per node over all: ${topics(meshCensus(idle), idle.nodes)}; wire B/s by node: ` +
    idle.wireBytesPerSecondByNode.map((bytes, i) => `${i + 1}: ${formatCount(bytes)}`).join(', ')
  );
}

/** A census's frame kinds and topics, most wire bytes first. */
function topFrames(census: IdleCost['census'], count: number) {
  return Object.entries(census.frames)
    .sort((a, b) => b[1].wireBytes - a[1].wireBytes)
    .slice(0, count);
}

/** Every node's census added up: what the mesh sends, by kind and topic. */
function meshCensus(idle: IdleCost): IdleCost['census'] {
  const total: IdleCost['census'] = {
    seconds: idle.census.seconds,
    kinds: {},
    frames: {},
    undecoded: { payloadBytes: 0, wireBytes: 0 },
  };
  for (const census of idle.censusByNode) {
    for (const [label, count] of Object.entries(census.frames)) {
      const sum = (total.frames[label] ??= { frames: 0, frameBytes: 0, wireBytes: 0 });
      sum.frames += count.frames;
      sum.frameBytes += count.frameBytes;
      sum.wireBytes += count.wireBytes;
    }
    total.undecoded.payloadBytes += census.undecoded.payloadBytes;
    total.undecoded.wireBytes += census.undecoded.wireBytes;
  }
  return total;
}

/** A table of a census's frames by kind and topic, per second (`per`: divided among that many nodes). */
function frameTable(title: string, census: IdleCost['census'], per = 1): string {
  const perSecond = (value: number) => value / census.seconds / per;
  return formatTable(
    [title, 'frames/s', 'frame B/s', 'wire B/s', 'B/frame'],
    [
      ...topFrames(census, 15).map(([label, count]) => [
        label,
        formatFixed(perSecond(count.frames), 2),
        formatFixed(perSecond(count.frameBytes)),
        formatFixed(perSecond(count.wireBytes)),
        formatFixed(count.frameBytes / count.frames),
      ]),
      [
        '(undecoded)',
        '–',
        formatFixed(perSecond(census.undecoded.payloadBytes)),
        formatFixed(perSecond(census.undecoded.wireBytes)),
        '–',
      ],
    ],
  );
}

/** The tables printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatLanScaleTables(result: LanScaleSuiteResult): string {
  const ms = (value: Spread | undefined) =>
    value ? `${formatCount(value.median)} (${formatCount(value.min)} – ${formatCount(value.max)})` : '–';
  const med = (runs: FormationRun[], pick: (run: FormationRun) => number) =>
    runs.length > 0 ? spread(runs.map(pick)).median : Number.NaN;
  const formation = formatTable(
    [
      'nodes',
      'join by',
      'runs',
      'full mesh ms',
      'topology complete ms',
      'starts span s',
      'RSS MiB/node',
      'heap MiB/node',
      'load avg',
      'others cores',
    ],
    result.scenarios.map((s) => [
      String(s.nodes),
      s.mode === 'peers' ? 'one address' : s.mode === 'search' ? 'search' : 'search + address',
      cells.runs(s),
      ms(s.fullMeshMs),
      s.topologyMs ? ms(s.topologyMs) : s.runs.length > 0 ? 'n/a' : '–',
      formatFixed(med(s.runs, (r) => r.startSpanMs) / 1000),
      formatFixed(med(s.runs, (r) => r.rssMedian) / MIB),
      formatFixed(med(s.runs, (r) => r.heapMedian) / MIB),
      formatFixed(med(s.runs, (r) => r.loadAverage)),
      cells.others(s.runs),
    ]),
  );
  const tables = [formation];
  if (result.perLink) {
    const { between, rssBytes, heapBytes } = result.perLink;
    tables.push(
      `One more link, one end (growth per node from ${between[0]} to ${between[1]} nodes): RSS ` +
        `${formatCount(rssBytes / 1024)} KiB, heap ${formatCount(heapBytes / 1024)} KiB.`,
    );
  }
  if (result.idle.length > 0) {
    tables.push(
      formatTable(
        [
          'idle, nodes',
          'join by',
          'wire B/s per node (max)',
          'packets/s per node',
          'wire B/s per link',
          'mesh frames/s per node',
          'mesh B/s per node',
          'B per frame',
          'load avg',
        ],
        result.idle.map((idle) => [
          String(idle.nodes),
          idle.mode,
          `${formatCount(idle.wireBytesPerSecond.median)} (${formatCount(idle.wireBytesPerSecond.max)})`,
          formatFixed(idle.wirePacketsPerSecond.median),
          formatFixed(idle.wireBytesPerLinkSecond),
          formatFixed(idle.meshFramesPerSecond),
          formatCount(idle.meshBytesPerSecond),
          formatFixed(idle.meshFrameBytes),
          formatFixed(idle.loadAverage),
        ]),
      ),
    );
    for (const idle of result.idle) {
      const perSecond = (value: number) => formatFixed(value / idle.census.seconds);
      tables.push(
        formatTable(
          [
            `node 2 of ${idle.nodes} (${idle.mode}) sent`,
            'packets/s',
            'payload B/s',
            'wire B/s',
            'payload B/packet',
          ],
          Object.entries(idle.census.kinds).map(([kind, count]) => [
            kind,
            perSecond(count.packets),
            perSecond(count.payloadBytes),
            perSecond(count.wireBytes),
            formatFixed(count.payloadBytes / count.packets),
          ]),
        ),
      );
      tables.push(frameTable(`node 2 of ${idle.nodes} (${idle.mode}), link frames`, idle.census));
      const loudest = idle.wireBytesPerSecondByNode.indexOf(Math.max(...idle.wireBytesPerSecondByNode));
      const loud = idle.censusByNode[loudest];
      if (loud && loudest !== 1) {
        tables.push(frameTable(`node ${loudest + 1} (the most wire bytes), link frames`, loud));
      }
      tables.push(frameTable(`all ${idle.nodes} nodes, link frames per node`, meshCensus(idle), idle.nodes));
    }
    for (const law of result.idleLaw) {
      tables.push(
        `Idle law (${law.mode}, ${law.sizes.join('/')} nodes): per node ≈ ${formatFixed(law.fixedBytes)} B/s + ` +
          `${formatFixed(law.perLinkBytes, 2)} B/s × (N − 1) links.`,
      );
    }
  }
  const propagations = [
    ['CallData field', result.propagation],
    ['presence entry', result.presence],
  ] as const;
  const timed = propagations.flatMap(([what, p]) => (p ? [[what, p] as const] : []));
  if (timed.length > 0) {
    tables.push(
      formatTable(
        [
          'propagation',
          'nodes',
          'changes',
          'lag p50 ms',
          'lag p99 ms',
          'lag max ms',
          'all arrived p50 ms',
          'all arrived p99 ms',
          'unattributed',
        ],
        timed.map(([what, p]) => [
          what,
          String(p.nodes),
          String(p.changes),
          formatFixed(p.lagMs.p50),
          formatFixed(p.lagMs.p99),
          formatFixed(p.lagMs.max),
          formatFixed(p.allArrivedMs.p50),
          formatFixed(p.allArrivedMs.p99),
          String(p.unattributed),
        ]),
      ),
    );
  }
  const t = result.topology;
  if (t) {
    tables.push(
      formatTable(
        [
          'topology, nodes',
          'link cut on one end',
          'changes',
          'per receiver p50 ms',
          'p99 ms',
          'max ms',
          'last receiver p50 ms',
          'p99 ms',
          'max ms',
          'PATCH answered p50 ms',
          'missed',
        ],
        (['cut', 'restored'] as const).map((kind) => [
          String(t.nodes),
          kind === 'cut' ? `${t.link[0]} unchecks ${t.link[1]}` : 'checked again',
          String(t.changes),
          formatFixed(t[kind].arrivalMs.p50),
          formatFixed(t[kind].arrivalMs.p99),
          formatFixed(t[kind].arrivalMs.max),
          formatFixed(t[kind].lastMs.p50),
          formatFixed(t[kind].lastMs.p99),
          formatFixed(t[kind].lastMs.max),
          formatFixed(t[kind].answerMs.p50),
          String(t[kind].missed),
        ]),
      ),
    );
  }
  const c = result.churn;
  if (c) {
    tables.push(
      formatTable(
        [
          'churn, nodes',
          'restarts',
          'relink ms (max)',
          'outage ms (max)',
          'rejoin tx / rx KiB',
          'others tx KiB',
          'disturbed links',
          'stale entries',
          'stale topologies',
        ],
        [
          [
            String(c.nodes),
            `${c.restarts}${c.failedRelinks > 0 ? ` (${c.failedRelinks} failed)` : ''}`,
            `${formatCount(c.relinkMs.median)} (${formatCount(c.relinkMs.max)})`,
            `${formatCount(c.outageMs.median)} (${formatCount(c.outageMs.max)})`,
            `${formatFixed(c.rejoinTxBytes / 1024)} / ${formatFixed(c.rejoinRxBytes / 1024)}`,
            formatFixed(c.othersTxBytes / 1024),
            String(c.disturbedLinks),
            String(c.staleEntries),
            c.staleTopologies === null ? 'n/a' : String(c.staleTopologies),
          ],
        ],
      ),
    );
  }
  if (result.partFailures.length > 0) tables.push(`Failed parts:\n${result.partFailures.join('\n')}`);
  return tables.join('\n\n');
}
