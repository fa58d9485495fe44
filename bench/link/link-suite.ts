import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeLinkFrame } from '../../src/mesh/link/link-frames.js';
import { BenchDatabase } from '../common/bench-database.js';
import { BenchProcess } from '../common/bench-process.js';
import { measure, type Measured } from '../common/measure.js';
import { type CpuLoad, CpuMeter } from '../common/cpu-meter.js';
import { median, type Spread, spread } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import { CALL_STATE_TOPIC, callState } from './call-state.js';
import {
  type MeshNodeConfig,
  type ReceiverConfig,
  type RoundTripResult,
  type SenderConfig,
  type Stack,
  STACKS,
  type ThroughputReceiverResult,
  type ThroughputSenderResult,
} from './link-bench.types.js';
import { encodeJsonFrame } from './raw-framing.js';

export interface LinkSuiteOptions {
  /** Runs of every scenario; the stacks alternate within each round. */
  runs: number;
  /** Messages per throughput run. */
  messages: number;
  /** Measured round trips per latency run. */
  roundTrips: number;
  /** Round trips before the measured ones. */
  warmup: number;
  /** Upper bound of the sending part of every run. */
  timeLimitMs: number;
  /**
   * Cores other programs may use: a run waits (bounded) until they use at most this, and is
   * repeated (at most twice) when they used more meanwhile.
   */
  maxOtherLoad: number;
  /** Where the processes write `--cpu-prof` profiles; undefined = no profiling. */
  profileDir?: string;
  /** Scratch folder: the embedded database and the nodes' data folders. */
  workDir: string;
  log(line: string): void;
}

export interface ThroughputRun extends Measured {
  receiver: ThroughputReceiverResult;
  sender: ThroughputSenderResult;
}

export interface RoundTripRun extends Measured {
  sender: RoundTripResult;
}

interface Scenario<Run> {
  stack: Stack;
  runs: Run[];
  failures: string[];
  /** Attempts thrown away because other programs were busy. */
  repeated: number;
}

export interface ThroughputScenario extends Scenario<ThroughputRun> {
  messagesPerSecond?: Spread;
  /** Median messages/s of this stack over that of the raw socket. */
  ratioToRaw?: number;
}

export interface RoundTripScenario extends Scenario<RoundTripRun> {
  p50Us?: Spread;
  p99Us?: Spread;
  meanUs?: Spread;
  /** Median p50 of this stack over that of the raw socket (above 1 = slower). */
  ratioToRaw?: number;
}

export interface LinkSuiteResult {
  /** Bytes on the wire per message, frame header included. */
  frameBytes: { raw: number; mesh: number };
  throughput: ThroughputScenario[];
  roundTrip: RoundTripScenario[];
}

/** Time a process gets on top of the sending time limit: Nest, TypeORM, TLS certificate, linking. */
const STARTUP_ALLOWANCE_MS = 60_000;
/** No more waiting for quiet or repeating of noisy runs once the suite has run this long. */
const REPEAT_BUDGET_MS = 180_000;

const script = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));
const SCRIPTS = {
  raw: { receiver: script('raw-receiver.js'), sender: script('raw-sender.js') },
  mesh: { receiver: script('mesh-receiver.js'), sender: script('mesh-sender.js') },
};

/**
 * Throughput and round-trip latency of a UC Mesh link (TCP and TLS) and of a raw node:net socket,
 * each run as a receiver process and a sender process on 127.0.0.1.
 */
export async function runLinkSuite(options: LinkSuiteOptions): Promise<LinkSuiteResult> {
  const newScenario = <Run>(stack: Stack): Scenario<Run> => ({ stack, runs: [], failures: [], repeated: 0 });
  const throughput = STACKS.map((stack): ThroughputScenario => newScenario(stack));
  const roundTrip = STACKS.map((stack): RoundTripScenario => newScenario(stack));
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log('starting the embedded PostgreSQL that holds the nodes’ identities');
  const database = await BenchDatabase.start(options.workDir);
  try {
    const nodes = new MeshNodes(database, options.workDir);
    for (let round = 0; round < options.runs; round++) {
      // Rotating the order spreads warm-up and drift over all stacks.
      const order = STACKS.map((_, i) => STACKS[(i + round) % STACKS.length] as Stack);
      const label = (stack: Stack, what: string) => `round ${round + 1}/${options.runs} ${stack} ${what}`;
      for (const stack of order) {
        await measure(
          label(stack, 'throughput'),
          throughput.find((s) => s.stack === stack) as ThroughputScenario,
          () => throughputRun(stack, round, nodes, options),
          (run) =>
            `${formatCount(run.receiver.messagesPerSecond)} msg/s ` +
            `(${formatCount(run.receiver.received)} in ${formatFixed(run.receiver.seconds, 2)} s; ` +
            `GC ${formatFixed(run.receiver.gcMs, 0)} ms receiving, ` +
            `${formatFixed(run.sender.gcMs, 0)} ms sending)`,
          repeatUntil,
          options,
        );
      }
      for (const stack of order) {
        await measure(
          label(stack, 'round trip'),
          roundTrip.find((s) => s.stack === stack) as RoundTripScenario,
          () => roundTripRun(stack, round, nodes, options),
          ({ sender: { latencyUs } }) =>
            `p50 ${formatFixed(latencyUs.p50)} µs, p99 ${formatFixed(latencyUs.p99)} µs ` +
            `(${formatCount(latencyUs.count)} round trips)`,
          repeatUntil,
          options,
        );
      }
    }
  } finally {
    await database.stop();
  }
  summarize(throughput, roundTrip);
  return {
    frameBytes: {
      raw: encodeJsonFrame(callState(0)).length,
      mesh: encodeLinkFrame.message(CALL_STATE_TOPIC, callState(0)).length,
    },
    throughput,
    roundTrip,
  };
}

type Role = 'receiver' | 'sender';

/**
 * Gives every mesh process a new, empty database: a node remembers the peers it linked with and
 * would dial them again at its next start. The data folder (its TLS certificate) stays per role.
 */
class MeshNodes {
  private count = 0;

  constructor(
    private readonly database: BenchDatabase,
    private readonly workDir: string,
  ) {}

  async config(role: Role, encryption: MeshNodeConfig['encryption']): Promise<MeshNodeConfig> {
    const databaseUrl = await this.database.create(`bench_${role}_${++this.count}`);
    return { databaseUrl, dataDir: join(this.workDir, role), encryption };
  }
}

async function throughputRun(
  stack: Stack,
  round: number,
  nodes: MeshNodes,
  options: LinkSuiteOptions,
): Promise<ThroughputRun> {
  return withPair(stack, 'throughput', round, nodes, options, async (receiver, sender) => {
    const sent = (await sender.next('result')).result as ThroughputSenderResult;
    checkTransport(stack, sent.transport);
    receiver.command({ type: 'sender-done', count: sent.sent });
    const received = (await receiver.next('result')).result as ThroughputReceiverResult;
    if (received.received !== sent.sent) {
      throw new Error(`${received.received} of ${sent.sent} messages arrived`);
    }
    if (received.invalid > 0) throw new Error(`${received.invalid} messages arrived damaged`);
    return { receiver: received, sender: sent };
  }).then(({ value, load }) => ({ ...value, load }));
}

async function roundTripRun(
  stack: Stack,
  round: number,
  nodes: MeshNodes,
  options: LinkSuiteOptions,
): Promise<RoundTripRun> {
  return withPair(stack, 'round-trip', round, nodes, options, async (receiver, sender) => {
    const result = (await sender.next('result')).result as RoundTripResult;
    receiver.command({ type: 'sender-done', count: result.latencyUs.count });
    checkTransport(stack, result.transport);
    if (result.latencyUs.count === 0) throw new Error('no round trip within the time limit');
    return result;
  }).then(({ value, load }) => ({ sender: value, load }));
}

/**
 * Starts the receiver, then the sender pointed at it, and measures the machine's CPU while
 * `collect` waits for the results; stops both processes (sender first) in any case.
 */
async function withPair<T>(
  stack: Stack,
  mode: SenderConfig['mode'],
  round: number,
  nodes: MeshNodes,
  options: LinkSuiteOptions,
  collect: (receiver: BenchProcess, sender: BenchProcess) => Promise<T>,
): Promise<{ value: T; load: CpuLoad }> {
  const scripts = stack === 'raw' ? SCRIPTS.raw : SCRIPTS.mesh;
  const encryption: MeshNodeConfig['encryption'] = stack === 'mesh-tls' ? 'starttls-optional' : 'none';
  const mesh = (role: Role) => (stack === 'raw' ? undefined : nodes.config(role, encryption));
  const limitMs = options.timeLimitMs + STARTUP_ALLOWANCE_MS;
  const profile = (role: string) =>
    options.profileDir === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${options.profileDir}`,
          `--cpu-prof-name=${stack}-${mode}-${role}-${round + 1}.cpuprofile`,
        ];

  const receiverConfig: ReceiverConfig = {
    limitMs,
    mode: mode === 'throughput' ? 'sink' : 'echo',
    count: options.messages,
    mesh: await mesh('receiver'),
  };
  const receiver = BenchProcess.start(
    `${stack} receiver`,
    scripts.receiver,
    receiverConfig,
    profile('receiver'),
  );
  let sender: BenchProcess | undefined;
  try {
    const ready = await receiver.next('ready');
    const senderConfig: SenderConfig = {
      limitMs,
      mode,
      port: ready.port,
      nodeId: ready.nodeId,
      count: mode === 'throughput' ? options.messages : options.roundTrips,
      warmup: mode === 'throughput' ? 0 : options.warmup,
      timeLimitMs: options.timeLimitMs,
      mesh: await mesh('sender'),
    };
    sender = BenchProcess.start(`${stack} sender`, scripts.sender, senderConfig, profile('sender'));
    const meter = CpuMeter.start([receiver.pid, sender.pid]);
    const value = await collect(receiver, sender);
    return { value, load: meter.stop() };
  } finally {
    await sender?.stop();
    await receiver.stop();
  }
}

function summarize(throughput: ThroughputScenario[], roundTrip: RoundTripScenario[]): void {
  for (const scenario of throughput) {
    if (scenario.runs.length === 0) continue;
    scenario.messagesPerSecond = spread(scenario.runs.map((run) => run.receiver.messagesPerSecond));
  }
  const rawRate = throughput.find((s) => s.stack === 'raw')?.messagesPerSecond?.median;
  for (const scenario of throughput) {
    if (rawRate !== undefined && scenario.messagesPerSecond) {
      scenario.ratioToRaw = scenario.messagesPerSecond.median / rawRate;
    }
  }
  for (const scenario of roundTrip) {
    if (scenario.runs.length === 0) continue;
    scenario.p50Us = spread(scenario.runs.map((run) => run.sender.latencyUs.p50));
    scenario.p99Us = spread(scenario.runs.map((run) => run.sender.latencyUs.p99));
    scenario.meanUs = spread(scenario.runs.map((run) => run.sender.latencyUs.mean));
  }
  const rawP50 = roundTrip.find((s) => s.stack === 'raw')?.p50Us?.median;
  for (const scenario of roundTrip) {
    if (rawP50 !== undefined && scenario.p50Us) scenario.ratioToRaw = scenario.p50Us.median / rawP50;
  }
}

/** The tables printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatLinkTables(result: LinkSuiteResult): string {
  const range = (value: Spread | undefined, format: (n: number) => string) =>
    value ? `${format(value.min)} – ${format(value.max)}` : '–';
  const share = (values: number[]) => (values.length > 0 ? `${formatFixed(median(values) * 100, 0)} %` : '–');
  const others = (runs: Measured[]) =>
    runs.length > 0 ? formatFixed(Math.max(...runs.map((run) => run.load.others)), 2) : '–';
  const runs = (scenario: Scenario<Measured>) => {
    const noisy = scenario.runs.filter((run) => run.noisy).length;
    const notes = [
      noisy > 0 ? `${noisy} noisy` : '',
      scenario.failures.length > 0 ? `${scenario.failures.length} failed` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return notes ? `${scenario.runs.length} (${notes})` : String(scenario.runs.length);
  };
  const ratio = (value: number | undefined) => (value === undefined ? '–' : `${formatFixed(value, 2)}×`);
  const throughput = formatTable(
    [
      'one-way',
      'runs',
      'msg/s median',
      'min – max',
      'vs raw',
      'rx loop busy',
      'tx loop busy',
      'others (cores)',
    ],
    result.throughput.map((s) => [
      s.stack,
      runs(s),
      formatCount(s.messagesPerSecond?.median ?? Number.NaN),
      range(s.messagesPerSecond, formatCount),
      ratio(s.ratioToRaw),
      share(s.runs.map((run) => run.receiver.eventLoop)),
      share(s.runs.map((run) => run.sender.eventLoop)),
      others(s.runs),
    ]),
  );
  const latency = (value: Spread | undefined) =>
    value ? `${formatFixed(value.median)} (${formatFixed(value.min)} – ${formatFixed(value.max)})` : '–';
  const roundTrip = formatTable(
    ['request/response', 'runs', 'p50 µs', 'p99 µs', 'mean µs', 'p50 vs raw', 'others (cores)'],
    result.roundTrip.map((s) => [
      s.stack,
      runs(s),
      latency(s.p50Us),
      latency(s.p99Us),
      latency(s.meanUs),
      ratio(s.ratioToRaw),
      others(s.runs),
    ]),
  );
  return `${throughput}\n\n${roundTrip}`;
}

/** A mesh stack must have negotiated the transport it is named after. */
function checkTransport(stack: Stack, transport: string | undefined): void {
  const expected = { raw: undefined, 'mesh-tcp': 'tcp', 'mesh-tls': 'tls' }[stack];
  if (transport !== expected) throw new Error(`the link runs over ${transport} instead of ${expected}`);
}
