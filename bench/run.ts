// Entry point of `npm run bench` (every suite) and `npm run bench:<suite>` (link, calldata, scale, …).
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchProcess } from './common/bench-process.js';
import { describeMachine, describeRevision } from './common/machine.js';
import {
  type CallDataSuiteOptions,
  type CallDataSuiteResult,
  formatCallDataTables,
  runCallDataSuite,
} from './calldata/calldata-suite.js';
import {
  formatLinkTables,
  LINK_SCENARIOS,
  type LinkScenario,
  type LinkSuiteOptions,
  type LinkSuiteResult,
  runLinkSuite,
} from './link/link-suite.js';
import {
  formatOverloadTables,
  type OverloadSuiteOptions,
  type OverloadSuiteResult,
  runOverloadSuite,
} from './overload/overload-suite.js';
import {
  formatScaleTables,
  runScaleSuite,
  type ScaleSuiteOptions,
  type ScaleSuiteResult,
} from './scale/scale-suite.js';
import {
  formatLanScaleTables,
  LAN_SCALE_PARTS,
  type LanScalePart,
  type LanScaleSuiteOptions,
  type LanScaleSuiteResult,
  runLanScaleSuite,
} from './lan-scale/lan-scale-suite.js';
import { JOIN_MODES, type JoinMode } from './lan-scale/lan-mesh.js';
import { ENCRYPTION_MODES, type EncryptionMode } from '../src/mesh/link/encryption-mode.js';
import {
  type DiscoverySuiteOptions,
  type DiscoverySuiteResult,
  formatDiscoveryTables,
  runDiscoverySuite,
} from './discovery/discovery-suite.js';

/** `.build/bench`: this file is `.build/bench/bench/run.js`. */
const BUILD_DIR = dirname(import.meta.dirname);

const USAGE = `usage: node .build/bench/bench/run.js [link] [calldata] [scale] [discovery] [overload] [lan-scale] [options]
  (no suite: all but lan-scale, which takes long and needs root, iproute2 and dist/ built)
  --runs N            runs of every scenario (default 5)
  --scenarios A,B     link: only these of throughput, round-trip, pipelined, setup, bulk-round-trip
                      (default all)
  --messages N        link: messages per throughput run (default 1000000)
  --round-trips N     link: measured round trips per latency run (default 50000)
  --warmup N          link: round trips (and pipelined requests) before the measured ones (default 5000)
  --requests N        link: measured requests per pipelined run (default 200000)
  --in-flight N       link: requests outstanding at once in the pipelined runs (default 256)
  --setups N          link: link setups (connect, handshake, close) per run (default 200)
  --sets N            calldata: sets per throughput run (default 50000)
  --concurrency N     calldata: sets in flight at once in the throughput runs (default 64)
  --lag-rate N        calldata: sets per second of the lag run (default 1000)
  --lag-seconds S     calldata: measured seconds of the lag run, after 1 s of warm-up (default 10)
  --prefill N         calldata: calls in every node's tables before the measured part, then ANALYZE
                      (default 0: new tables, never analyzed)
  --sql-stats         calldata: load pg_stat_statements, print each node's statements by execution time
  --nodes N,M         scale: sizes of the full mesh, in node processes (default 16,32)
  --broadcasts N      scale: broadcast calls per fan-out run, from one node or shared by all (default 10000)
  --lan-nodes N       discovery: hosts on the LAN of network namespaces; one of them joins in every run
                      (default 6; needs root and iproute2)
  --intervals MS,MS   discovery: search intervals to measure with (default 5000,1000)
  --lan-sizes N,M     lan-scale: nodes on the LAN of network namespaces, each dist/main.js (default 16,32,64)
  --large-runs N      lan-scale: runs at most for sizes above 32 (default 2)
  --join A,B          lan-scale: how nodes find each other: peers (search off, only the first node's
                      address), search (mDNS, no address), both (default peers,search)
  --parts A,B         lan-scale: formation (always) and idle, propagation (CallData), presence (a
                      node-owned state entry; that run's nodes add a presence feature to the
                      standalone node), topology (one link cut and restored), churn (default all)
  --idle-seconds S    lan-scale: measured seconds of idle traffic (default 60)
  --idle-settle S     lan-scale: seconds of quiet before they are measured (default 10; 70 lets the
                      topology's once-a-minute round-trip refresh after formation pass first)
  --detail-size N     lan-scale: mesh size of the propagation, presence, topology and churn parts
                      (default 32)
  --changes N         lan-scale: CallData changes (propagation), presence entries and link cuts,
                      each restored (topology), timed (default 20)
  --churn-seconds S   lan-scale: how long one node is restarted again and again (default 60)
  --churn-interval S  lan-scale: seconds from one restart to the next (default 5)
  --cpu-profile DIR   lan-scale: every node writes a V8 CPU profile to DIR/<join>_<run>/node-<i>/;
                      cut them to the formation window with bench/tools/cpuprofile-window.ts
  --mesh-encryption M lan-scale: MESH_ENCRYPTION of every node: none, starttls-optional,
                      starttls-required (default: the node's, TLS with a generated certificate;
                      none lets the idle packet census read node 2's frames by topic)
  --attempts N        overload: messages each sender tries to send at most (default 5000000)
  --rss-cap MiB       overload: a sender stops and drops its backlog once it or its receiver is this
                      large (default 1536)
  --time-limit S      upper bound of the sending part of a throughput run, in seconds (default 20)
  --max-other-load C  wait for, and repeat runs until, other programs use at most C cores (default 0.25)
  --profile           write --cpu-prof profiles of every process next to the results`;

type SuiteOptions = LinkSuiteOptions &
  LanScaleSuiteOptions &
  CallDataSuiteOptions &
  ScaleSuiteOptions &
  DiscoverySuiteOptions &
  OverloadSuiteOptions;

/** A suite: how to run it, print its result, and tell whether a run failed. */
interface SuiteDefinition<Result extends object> {
  run(options: SuiteOptions): Promise<Result>;
  format(result: Result): string;
  failed(result: Result): boolean;
}

/** Runs a suite and hands back its result, its tables and whether a run failed. */
function defineSuite<Result extends object>(definition: SuiteDefinition<Result>) {
  return async (options: SuiteOptions) => {
    const result = await definition.run(options);
    return { result, tables: definition.format(result), failed: definition.failed(result) };
  };
}

/** Whether any scenario of a suite's result recorded a failure. */
function anyFailed(scenarios: ReadonlyArray<{ failures: readonly unknown[] }>): boolean {
  return scenarios.some((scenario) => scenario.failures.length > 0);
}

/** Every suite, in the order `npm run bench` runs them. */
const SUITES = {
  link: defineSuite({
    run: runLinkSuite,
    format: formatLinkTables,
    failed: (result: LinkSuiteResult) =>
      anyFailed([
        ...result.throughput,
        ...result.roundTrip,
        ...result.pipelined,
        ...result.setup,
        ...result.bulkRoundTrip,
      ]),
  }),
  calldata: defineSuite({
    run: runCallDataSuite,
    format: formatCallDataTables,
    failed: (result: CallDataSuiteResult) => anyFailed(result.scenarios),
  }),
  scale: defineSuite({
    run: runScaleSuite,
    format: formatScaleTables,
    failed: (result: ScaleSuiteResult) => anyFailed(result.scenarios),
  }),
  discovery: defineSuite({
    run: runDiscoverySuite,
    format: formatDiscoveryTables,
    failed: (result: DiscoverySuiteResult) => anyFailed(result.scenarios),
  }),
  overload: defineSuite({
    run: runOverloadSuite,
    format: formatOverloadTables,
    failed: (result: OverloadSuiteResult) => anyFailed(result.scenarios),
  }),
  'lan-scale': defineSuite({
    run: runLanScaleSuite,
    format: formatLanScaleTables,
    failed: (result: LanScaleSuiteResult) => anyFailed(result.scenarios) || result.partFailures.length > 0,
  }),
};
/** Suites run only when named. */
const ON_REQUEST: readonly Suite[] = ['lan-scale'];
type Suite = keyof typeof SUITES;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '5' },
      messages: { type: 'string', default: '1000000' },
      'round-trips': { type: 'string', default: '50000' },
      warmup: { type: 'string', default: '5000' },
      requests: { type: 'string', default: '200000' },
      'in-flight': { type: 'string', default: '256' },
      setups: { type: 'string', default: '200' },
      sets: { type: 'string', default: '50000' },
      concurrency: { type: 'string', default: '64' },
      'lag-rate': { type: 'string', default: '1000' },
      'lag-seconds': { type: 'string', default: '10' },
      prefill: { type: 'string', default: '0' },
      'sql-stats': { type: 'boolean', default: false },
      nodes: { type: 'string', default: '16,32' },
      broadcasts: { type: 'string', default: '10000' },
      'lan-nodes': { type: 'string', default: '6' },
      intervals: { type: 'string', default: '5000,1000' },
      'lan-sizes': { type: 'string', default: '16,32,64' },
      'large-runs': { type: 'string', default: '2' },
      join: { type: 'string', default: 'peers,search' },
      parts: { type: 'string', default: LAN_SCALE_PARTS.join(',') },
      'idle-seconds': { type: 'string', default: '60' },
      'idle-settle': { type: 'string', default: '10' },
      'detail-size': { type: 'string', default: '32' },
      changes: { type: 'string', default: '20' },
      'churn-seconds': { type: 'string', default: '60' },
      'churn-interval': { type: 'string', default: '5' },
      attempts: { type: 'string', default: '5000000' },
      'rss-cap': { type: 'string', default: '1536' },
      'time-limit': { type: 'string', default: '20' },
      'max-other-load': { type: 'string', default: '0.25' },
      scenarios: { type: 'string', default: LINK_SCENARIOS.join(',') },
      profile: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
      'mesh-encryption': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const suites =
    positionals.length > 0
      ? (positionals as Suite[])
      : (Object.keys(SUITES) as Suite[]).filter((suite) => !ON_REQUEST.includes(suite));
  const number = (name: keyof typeof values, min: number, integer = true) => {
    const value = Number(values[name]);
    if (Number.isNaN(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}\n${USAGE}`);
    }
    return value;
  };
  /** A comma-separated list of integers ≥ `min`. */
  const list = (name: 'nodes' | 'intervals' | 'lan-sizes', min: number) => {
    const items = String(values[name]).split(',').map(Number);
    if (items.some((item) => !Number.isInteger(item) || item < min)) {
      throw new Error(`--${name} must be integers ≥ ${min}, separated by commas\n${USAGE}`);
    }
    return items;
  };

  /** A comma-separated list of some of `allowed`. */
  function names<Name extends string>(name: 'join' | 'parts', allowed: readonly Name[]): Name[] {
    const items = String(values[name]).split(',').filter(Boolean);
    if (items.length === 0 || items.some((item) => !(allowed as readonly string[]).includes(item))) {
      throw new Error(`--${name} takes some of ${allowed.join(', ')}\n${USAGE}`);
    }
    return items as Name[];
  }

  const root = repositoryRoot();
  await mirrorPackageJson(root);
  const resultsDir = join(root, 'bench', 'results');
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-') + 'Z';
  const settings = {
    runs: number('runs', 1),
    messages: number('messages', 2),
    roundTrips: number('round-trips', 1),
    warmup: number('warmup', 0),
    requests: number('requests', 1),
    inFlight: number('in-flight', 1),
    setups: number('setups', 1),
    sets: number('sets', 1),
    concurrency: number('concurrency', 1),
    lagRate: number('lag-rate', 1),
    lagSeconds: number('lag-seconds', 1),
    prefill: number('prefill', 0),
    sqlStats: values['sql-stats'],
    nodeCounts: list('nodes', 2),
    broadcasts: number('broadcasts', 1),
    lanNodes: number('lan-nodes', 3),
    intervalsMs: list('intervals', 100),
    lanSizes: list('lan-sizes', 2),
    largeRuns: number('large-runs', 1),
    joinModes: names<JoinMode>('join', JOIN_MODES),
    parts: names<LanScalePart>('parts', LAN_SCALE_PARTS),
    idleSeconds: number('idle-seconds', 1),
    idleSettleSeconds: number('idle-settle', 0),
    detailSize: number('detail-size', 2),
    changes: number('changes', 1),
    churnSeconds: number('churn-seconds', 1),
    churnIntervalSeconds: number('churn-interval', 1),
    attempts: number('attempts', 1),
    rssCapBytes: number('rss-cap', 64) * 1024 * 1024,
    timeLimitMs: number('time-limit', 1, false) * 1000,
    maxOtherLoad: number('max-other-load', 0, false),
    scenarios: linkScenarios(values.scenarios),
    profileDir: values.profile ? join(resultsDir, `profiles-${stamp}`) : undefined,
    cpuProfileDir: values['cpu-profile'] === undefined ? undefined : resolve(values['cpu-profile']),
    meshEncryption: meshEncryption(values['mesh-encryption']),
  };
  const workDir = await mkdtemp(join(tmpdir(), 'ucmesh-bench-'));
  // Run as root, PostgreSQL runs as the `postgres` user, which must be able to reach its folder.
  await chmod(workDir, 0o711);
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  process.once('SIGINT', () => {
    log('interrupted: stopping the benchmark processes');
    BenchProcess.interrupt();
  });

  let failed = false;
  try {
    for (const suite of suites) {
      const started = Date.now();
      // Taken before the run: src/ may change while it runs, the compiled build does not.
      const revision = describeRevision(root);
      const { result, tables, failed: runFailed } = await SUITES[suite]({ ...settings, workDir, log });
      const machine = describeMachine();
      const file = join(resultsDir, `${suite}-${stamp}.json`);
      await mkdir(resultsDir, { recursive: true });
      const report = {
        suite,
        date: new Date(started).toISOString(),
        durationSeconds: (Date.now() - started) / 1000,
        machine,
        revision,
        settings,
        ...result,
      };
      await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
      const code = revision
        ? `src ${revision.commit}${revision.srcModified ? ' + uncommitted changes' : ''}`
        : '';
      console.log(
        `\n${suite}: ${settings.runs} runs; ${machine.cpus} × ${machine.cpuModel}; Node ${machine.node}; ${code}\n`,
      );
      console.log(tables);
      console.log(`\nresults: ${relative(process.cwd(), file)}`);
      if (settings.profileDir) console.log(`profiles: ${relative(process.cwd(), settings.profileDir)}`);
      failed ||= runFailed;
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

/** `--mesh-encryption`: one of the node's MESH_ENCRYPTION modes, or unset. */
function meshEncryption(value: string | undefined): EncryptionMode | undefined {
  if (value === undefined) return undefined;
  if (!(ENCRYPTION_MODES as readonly string[]).includes(value)) {
    throw new Error(`--mesh-encryption takes one of ${ENCRYPTION_MODES.join(', ')}\n${USAGE}`);
  }
  return value as EncryptionMode;
}

/** `--scenarios`: names of the link suite's scenarios, separated by commas. */
function linkScenarios(value: string): LinkScenario[] {
  const names = value.split(',').filter(Boolean);
  const unknown = names.filter((name) => !(LINK_SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--scenarios takes some of ${LINK_SCENARIOS.join(', ')}\n${USAGE}`);
  }
  return names as LinkScenario[];
}

/** The repository: the folder above the build folder that holds the project's package.json. */
function repositoryRoot(): string {
  for (let dir = dirname(BUILD_DIR); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('no package.json above the benchmark build');
  }
}

/**
 * The product reads its version from `../../package.json` relative to its compiled modules, which
 * holds for dist/ but not for the benchmark build (`.build/bench/src/…`): give that build a
 * package.json of its own, with the project's version and module type.
 */
async function mirrorPackageJson(root: string): Promise<void> {
  const project = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const mirror = { name: 'uc-mesh-bench-build', private: true, type: 'module', version: project.version };
  await writeFile(join(BUILD_DIR, 'package.json'), `${JSON.stringify(mirror, null, 2)}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    BenchProcess.interrupt();
    process.exit(1);
  },
);
