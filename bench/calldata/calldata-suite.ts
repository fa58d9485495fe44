import { join } from 'node:path';
import { BenchDatabase, type StatementStat } from '../common/bench-database.js';
import { BenchProcess } from '../common/bench-process.js';
import {
  cells,
  measure,
  type Measured,
  REPEAT_BUDGET_MS,
  STARTUP_ALLOWANCE_MS,
  workerScript,
} from '../common/measure.js';
import { CpuMeter } from '../common/cpu-meter.js';
import { median, type Spread, spread } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import type {
  CallDataNodeConfig,
  CallDataReceiverConfig,
  CallDataSenderConfig,
  ReceiverResult,
  SenderResult,
} from './calldata-bench.types.js';
import { cpuProfileArgs, rotated } from '../common/run-order.js';

export interface CallDataSuiteOptions {
  /** Runs of every scenario; the scenarios alternate within each round. */
  runs: number;
  /** Sets per throughput run. */
  sets: number;
  /** Sets in flight at once in the throughput runs. */
  concurrency: number;
  /** Sets per second of the lag run. */
  lagRate: number;
  /** Measured seconds of the lag run (after one second of warm-up). */
  lagSeconds: number;
  /**
   * Calls put into every node's tables before the measured part, followed by `ANALYZE`; 0 = the
   * tables are new and never analyzed.
   */
  prefill: number;
  /** Load pg_stat_statements and report every run's statements by execution time. */
  sqlStats: boolean;
  /** Upper bound of the sending part of a throughput run. */
  timeLimitMs: number;
  /** Cores other programs may use (see the link suite: wait for quiet, repeat noisy runs). */
  maxOtherLoad: number;
  /** Where the processes write `--cpu-prof` profiles; undefined = no profiling. */
  profileDir?: string;
  /** Scratch folder: the embedded database and the nodes' data folders. */
  workDir: string;
  log(line: string): void;
}

/**
 * What is measured: a node writing alone (mesh off, or mesh on without peers), replicated to a
 * second node, and the replication lag at a steady rate.
 */
export type CallDataScenarioName = 'local-mesh-off' | 'local-no-peer' | 'replicated' | 'lag';
const SCENARIOS: readonly CallDataScenarioName[] = ['local-mesh-off', 'local-no-peer', 'replicated', 'lag'];

interface PostgresMeasured extends Measured {
  /** Cores the PostgreSQL server (all its sessions) used meanwhile; counted in `load.own`. */
  postgresCores: number;
}

export interface CallDataRun extends PostgresMeasured {
  sender: SenderResult;
  receiver?: ReceiverResult;
  /**
   * Updates per second: at the sender for the local runs; for the replicated ones updates committed
   * at the receiver over the time from the sender's first set to the receiver's last update.
   */
  updatesPerSecond: number;
  /** With `sqlStats`: the statements of each node's database, most execution time first. */
  statements?: { sender: StatementStat[]; receiver?: StatementStat[] };
}

export interface CallDataScenario {
  name: CallDataScenarioName;
  runs: CallDataRun[];
  failures: string[];
  /** Attempts thrown away because other programs were busy. */
  repeated: number;
  updatesPerSecond?: Spread;
  /** Median updates/s over that of `local-mesh-off`. */
  ratioToLocal?: number;
  /** Lag of the replicated updates, ms (replicated runs). */
  lagP50Ms?: Spread;
  lagP99Ms?: Spread;
  /** `set` from call to resolution at the sender, ms. */
  setP50Ms?: Spread;
  setP99Ms?: Spread;
}

export interface CallDataSuiteResult {
  /** Bytes of one set's field names and values. */
  fieldBytes?: number;
  /** Calls in every node's tables before the measured part (then analyzed); 0 = new tables. */
  prefill: number;
  scenarios: CallDataScenario[];
}

/** After the sender has finished, the receiver waits this long at most for missing updates. */
const DRAIN_LIMIT_MS = 60_000;
/** Sets of the lag run before the measured ones: one second's worth. */
const LAG_WARMUP_SECONDS = 1;
/**
 * Autovacuum off on the benchmark's server: its ANALYZE would give the planner statistics at a
 * random moment of a run (it visits a database about once a minute), and the plans of the CallData
 * statements change with them. So a run's tables are never analyzed, as in the first minute of a
 * new node's database — or analyzed once before the measured part, with `prefill`.
 */
const SERVER_SETTINGS = { autovacuum: 'off' };

const script = (file: string) => workerScript(import.meta.url, file);
const SCRIPTS = { sender: script('calldata-sender.js'), receiver: script('calldata-receiver.js') };

/**
 * CallData write and replication rates: `CallDataService.set` on one node alone, and replicated
 * to a second node over a mesh link; and the replication lag at a steady rate. Every node is a
 * process of its own with a database of its own on one embedded PostgreSQL, on 127.0.0.1.
 */
export async function runCallDataSuite(options: CallDataSuiteOptions): Promise<CallDataSuiteResult> {
  const scenarios = SCENARIOS.map((name): CallDataScenario => ({
    name,
    runs: [],
    failures: [],
    repeated: 0,
  }));
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log('starting the embedded PostgreSQL that holds the nodes’ databases');
  const database = await BenchDatabase.start(options.workDir, { statementStats: options.sqlStats });
  try {
    await database.configure(SERVER_SETTINGS);
    const postgres = database.serverPid();
    if (postgres === undefined) options.log('no PostgreSQL server PID: its CPU counts as other programs’');
    const context: RunContext = { database, postgres, options, databases: 0 };
    for (let round = 0; round < options.runs; round++) {
      for (const name of rotated(SCENARIOS, round)) {
        await measure(
          `round ${round + 1}/${options.runs} ${name}`,
          scenarios.find((s) => s.name === name) as CallDataScenario,
          () => run(name, round, context),
          (measured) => describeRun(name, measured),
          repeatUntil,
          options,
        );
      }
    }
  } finally {
    await database.stop();
  }
  summarize(scenarios);
  const fieldBytes = scenarios.flatMap((s) => s.runs)[0]?.sender.fieldBytes;
  return { fieldBytes, prefill: options.prefill, scenarios };
}

interface RunContext {
  database: BenchDatabase;
  postgres: number | undefined;
  options: CallDataSuiteOptions;
  /** Databases created so far: every process gets a new one. */
  databases: number;
}

function describeRun(name: CallDataScenarioName, run: CallDataRun): string {
  const { sender, receiver } = run;
  const pg = `PostgreSQL ${formatFixed(run.postgresCores, 2)} cores`;
  if (name === 'lag') {
    return (
      `lag p50 ${formatFixed((receiver?.lagUs.p50 ?? Number.NaN) / 1000, 2)} ms, ` +
      `p99 ${formatFixed((receiver?.lagUs.p99 ?? Number.NaN) / 1000, 2)} ms; ` +
      `set p50 ${formatFixed(sender.setLatencyUs.p50 / 1000, 2)} ms ` +
      `(${formatCount(sender.sets)} sets at ${formatCount(sender.setsPerSecond)}/s); ${pg}`
    );
  }
  const at = receiver
    ? ` at the receiver (${formatCount(receiver.updates)} of ${formatCount(sender.sets)}; ` +
      `sender ${formatCount(sender.setsPerSecond)} sets/s)`
    : ` (${formatCount(sender.sets)} in ${formatFixed(sender.seconds, 2)} s)`;
  return `${formatCount(run.updatesPerSecond)} updates/s${at}; ${pg}`;
}

async function run(name: CallDataScenarioName, round: number, context: RunContext): Promise<CallDataRun> {
  const { options } = context;
  const lag = name === 'lag';
  const warmup = lag ? Math.round(options.lagRate * LAG_WARMUP_SECONDS) : 0;
  const count = lag ? warmup + Math.round(options.lagRate * options.lagSeconds) : options.sets;
  // The paced run takes its planned time; the margin lets a slow node finish starting its sets.
  const timeLimitMs = lag ? (count / options.lagRate) * 1000 + 10_000 : options.timeLimitMs;
  const limitMs = timeLimitMs + DRAIN_LIMIT_MS + STARTUP_ALLOWANCE_MS;
  const databases: { sender?: string; receiver?: string } = {};
  const node = async (role: 'sender' | 'receiver', meshEnabled: boolean): Promise<CallDataNodeConfig> => {
    const name = `calldata_${role}_${++context.databases}`;
    databases[role] = name;
    return {
      databaseUrl: await context.database.create(name),
      dataDir: join(options.workDir, role),
      meshEnabled,
    };
  };
  const profile = (role: string) =>
    cpuProfileArgs(options.profileDir, `calldata-${name}-${role}-${round + 1}`);

  let receiver: BenchProcess | undefined;
  let sender: BenchProcess | undefined;
  try {
    let peer: { port: number; nodeId?: string } | undefined;
    if (name === 'replicated' || lag) {
      const receiverConfig: CallDataReceiverConfig = {
        limitMs,
        node: await node('receiver', true),
        count,
        warmup,
        drainLimitMs: DRAIN_LIMIT_MS,
        prefill: options.prefill,
      };
      receiver = BenchProcess.start(
        'calldata receiver',
        SCRIPTS.receiver,
        receiverConfig,
        profile('receiver'),
      );
      peer = await receiver.next('ready');
    }
    const senderConfig: CallDataSenderConfig = {
      limitMs,
      mode: lag ? 'lag' : name === 'replicated' ? 'replicated' : 'local',
      node: await node('sender', name !== 'local-mesh-off'),
      port: peer?.port,
      nodeId: peer?.nodeId,
      count,
      concurrency: options.concurrency,
      rate: options.lagRate,
      warmup,
      prefill: options.prefill,
      timeLimitMs,
    };
    sender = BenchProcess.start('calldata sender', SCRIPTS.sender, senderConfig, profile('sender'));
    // From the start of the sets (node start, migrations, prefill and linking are not measured).
    await sender.next('ready');
    const trees = context.postgres === undefined ? [] : [context.postgres];
    const pids = [sender.pid, ...(receiver ? [receiver.pid] : [])];
    const meter = CpuMeter.start(pids, trees);
    const postgresMeter = CpuMeter.start([], trees);
    const sent = (await sender.next('result')).result as SenderResult;
    if (sent.failed > 0) throw new Error(`${sent.failed} sets failed`);
    if (sent.sets === 0) throw new Error('no set within the time limit');
    let received: ReceiverResult | undefined;
    if (receiver) {
      receiver.command({ type: 'sender-done', count: sent.sets });
      received = (await receiver.next('result')).result as ReceiverResult;
      if (received.invalid > 0) throw new Error(`${received.invalid} updates without the benchmark's fields`);
      if (received.updates !== sent.sets) {
        throw new Error(`${received.updates} of ${sent.sets} updates reached the receiver`);
      }
    }
    const postgresCores = postgresMeter.stop().own;
    const load = meter.stop();
    const updatesPerSecond = received
      ? received.updates / ((received.lastAt - sent.firstStartedAt) / 1000)
      : sent.setsPerSecond;
    const statements = options.sqlStats ? await statementsOf(context.database, databases) : undefined;
    return { sender: sent, receiver: received, updatesPerSecond, load, postgresCores, statements };
  } finally {
    await sender?.stop();
    await receiver?.stop();
  }
}

async function statementsOf(
  database: BenchDatabase,
  names: { sender?: string; receiver?: string },
): Promise<CallDataRun['statements']> {
  return {
    sender: names.sender === undefined ? [] : await database.statementStats(names.sender),
    receiver: names.receiver === undefined ? undefined : await database.statementStats(names.receiver),
  };
}

function summarize(scenarios: CallDataScenario[]): void {
  const ms = (values: number[]) => spread(values.map((us) => us / 1000));
  for (const scenario of scenarios) {
    const { runs } = scenario;
    if (runs.length === 0) continue;
    scenario.updatesPerSecond = spread(runs.map((run) => run.updatesPerSecond));
    scenario.setP50Ms = ms(runs.map((run) => run.sender.setLatencyUs.p50));
    scenario.setP99Ms = ms(runs.map((run) => run.sender.setLatencyUs.p99));
    const received = runs.flatMap((run) => (run.receiver ? [run.receiver] : []));
    if (received.length > 0) {
      scenario.lagP50Ms = ms(received.map((r) => r.lagUs.p50));
      scenario.lagP99Ms = ms(received.map((r) => r.lagUs.p99));
    }
  }
  const local = scenarios.find((s) => s.name === 'local-mesh-off')?.updatesPerSecond?.median;
  for (const scenario of scenarios) {
    if (local !== undefined && scenario.updatesPerSecond && scenario.name !== 'lag') {
      scenario.ratioToLocal = scenario.updatesPerSecond.median / local;
    }
  }
}

/** The tables printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatCallDataTables(result: CallDataSuiteResult): string {
  const range = (value: Spread | undefined, format: (n: number) => string) =>
    value ? `${format(value.median)} (${format(value.min)} – ${format(value.max)})` : '–';
  const ms = (n: number) => formatFixed(n, n < 10 ? 2 : 1);
  const cores = (values: number[]) => (values.length > 0 ? formatFixed(median(values), 2) : '–');
  const { runs, others, share } = cells;
  const label: Record<CallDataScenarioName, string> = {
    'local-mesh-off': 'local, mesh off',
    'local-no-peer': 'local, mesh on, no peer',
    replicated: 'replicated, at the receiver',
    lag: 'lag',
  };
  const throughputRows = result.scenarios.filter((s) => s.name !== 'lag');
  const throughput = formatTable(
    [
      'updates/s',
      'runs',
      'median (min – max)',
      'vs local',
      'sender sets/s',
      'set p50 / p99 ms',
      'tx busy',
      'rx busy',
      'PostgreSQL cores',
      'others',
    ],
    throughputRows.map((s) => [
      label[s.name],
      runs(s),
      range(s.updatesPerSecond, formatCount),
      s.ratioToLocal === undefined ? '–' : `${formatFixed(s.ratioToLocal, 2)}×`,
      formatCount(median(s.runs.map((run) => run.sender.setsPerSecond))),
      `${ms(s.setP50Ms?.median ?? Number.NaN)} / ${ms(s.setP99Ms?.median ?? Number.NaN)}`,
      share(s.runs.map((run) => run.sender.eventLoop)),
      share(s.runs.flatMap((run) => (run.receiver ? [run.receiver.eventLoop] : []))),
      cores(s.runs.map((run) => run.postgresCores)),
      others(s.runs),
    ]),
  );
  const lagRows = result.scenarios.filter((s) => s.name === 'lag');
  const lag = formatTable(
    [
      'steady rate',
      'runs',
      'lag p50 ms',
      'lag p99 ms',
      'set p50 ms',
      'set p99 ms',
      'PostgreSQL cores',
      'others',
    ],
    lagRows.map((s) => [
      `${formatCount(median(s.runs.map((run) => run.sender.setsPerSecond)))}/s`,
      runs(s),
      range(s.lagP50Ms, ms),
      range(s.lagP99Ms, ms),
      range(s.setP50Ms, ms),
      range(s.setP99Ms, ms),
      cores(s.runs.map((run) => run.postgresCores)),
      others(s.runs),
    ]),
  );
  const tables =
    result.prefill > 0
      ? `${formatCount(result.prefill)} calls in every node's tables before, analyzed`
      : 'new tables, never analyzed';
  const fields = result.fieldBytes === undefined ? '' : `${result.fieldBytes} bytes of fields per set; `;
  const statements = formatStatements(result.scenarios);
  return `${fields}${tables}\n\n${throughput}\n\n${lag}${statements ? `\n\n${statements}` : ''}`;
}

/** With `sqlStats`: per scenario and node, the statements that took most of the database's time. */
function formatStatements(scenarios: CallDataScenario[], top = 6): string | undefined {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    for (const role of ['sender', 'receiver'] as const) {
      const totals = new Map<string, StatementStat>();
      for (const run of scenario.runs) {
        for (const stat of run.statements?.[role] ?? []) {
          const total = totals.get(stat.query) ?? { query: stat.query, calls: 0, totalMs: 0, rows: 0 };
          total.calls += stat.calls;
          total.totalMs += stat.totalMs;
          total.rows += stat.rows;
          totals.set(stat.query, total);
        }
      }
      const sorted = [...totals.values()].sort((a, b) => b.totalMs - a.totalMs);
      const all = sorted.reduce((sum, stat) => sum + stat.totalMs, 0);
      for (const stat of sorted.slice(0, top)) {
        rows.push([
          `${scenario.name} ${role}`,
          stat.query.length > 64 ? `${stat.query.slice(0, 63)}…` : stat.query,
          formatCount(stat.calls),
          formatFixed(stat.totalMs / stat.calls, 3),
          formatFixed(stat.rows / stat.calls, 1),
          `${formatFixed((stat.totalMs / all) * 100, 0)} %`,
        ]);
      }
    }
  }
  if (rows.length === 0) return undefined;
  return formatTable(
    ['node', 'statement (pg_stat_statements)', 'calls', 'ms/call', 'rows/call', 'share'],
    rows,
  );
}
