import { join } from 'node:path';
import { encodeLinkFrame } from '../../src/mesh/link/link-frames.js';
import { BenchDatabase } from '../common/bench-database.js';
import { BenchProcess } from '../common/bench-process.js';
import {
  cells,
  measure,
  type Measured,
  REPEAT_BUDGET_MS,
  STARTUP_ALLOWANCE_MS,
  workerScript,
} from '../common/measure.js';
import { type CpuLoad, CpuMeter } from '../common/cpu-meter.js';
import { median, type Spread, spread } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import { CALL_STATE_TOPIC, callState } from './call-state.js';
import {
  type BulkRoundTripResult,
  type MeshNodeConfig,
  type PipelinedResult,
  type ReceiverConfig,
  type RoundTripResult,
  type SenderConfig,
  type SetupResult,
  MESH_STACKS,
  type Stack,
  STACKS,
  type ThroughputReceiverResult,
  type ThroughputSenderResult,
} from './link-bench.types.js';
import { encodeJsonFrame } from './raw-framing.js';
import { cpuProfileArgs, rotated } from '../common/run-order.js';

/** The link suite's scenarios, each run for every stack it applies to. */
export type LinkScenario = 'throughput' | 'round-trip' | 'pipelined' | 'setup' | 'bulk-round-trip';
export const LINK_SCENARIOS: readonly LinkScenario[] = [
  'throughput',
  'round-trip',
  'pipelined',
  'setup',
  'bulk-round-trip',
];

export interface LinkSuiteOptions {
  /** Runs of every scenario; the stacks alternate within each round. */
  runs: number;
  /** Which scenarios run. */
  scenarios: readonly LinkScenario[];
  /** Messages per throughput run. */
  messages: number;
  /** Measured round trips per latency run. */
  roundTrips: number;
  /** Round trips (and pipelined requests) before the measured ones. */
  warmup: number;
  /** Measured requests per pipelined run. */
  requests: number;
  /** Requests outstanding at once in the pipelined runs. */
  inFlight: number;
  /** Link setups per run (mesh stacks). */
  setups: number;
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

export interface PipelinedRun extends Measured {
  sender: PipelinedResult;
}

export interface SetupRun extends Measured {
  sender: SetupResult;
}

export interface BulkRoundTripRun extends Measured {
  sender: BulkRoundTripResult;
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
  /** Median messages/s of this stack over that of the Nest microservices transport. */
  ratioToNest?: number;
}

export interface RoundTripScenario extends Scenario<RoundTripRun> {
  p50Us?: Spread;
  p99Us?: Spread;
  meanUs?: Spread;
  /** Median p50 of this stack over that of the raw socket (above 1 = slower). */
  ratioToRaw?: number;
  /** Median p50 of this stack over that of the Nest microservices transport (above 1 = slower). */
  ratioToNest?: number;
  /** Median p99 of this stack over that of the raw socket (above 1 = slower). */
  p99RatioToRaw?: number;
}

export interface PipelinedScenario extends Scenario<PipelinedRun> {
  requestsPerSecond?: Spread;
  /** Median requests/s of this stack over that of the raw socket. */
  ratioToRaw?: number;
  /** Median requests/s of this stack over that of the Nest microservices transport. */
  ratioToNest?: number;
}

/** Small round trips while 4 MiB messages stream on the same link (mesh stacks). */
export interface BulkRoundTripScenario extends Scenario<BulkRoundTripRun> {
  p50Us?: Spread;
  p99Us?: Spread;
  maxUs?: Spread;
  bulkMiBPerSecond?: Spread;
}

export interface SetupScenario extends Scenario<SetupRun> {
  setupsPerSecond?: Spread;
  /** Median over the runs of the median time from `connect` until the link is up. */
  setupP50Ms?: Spread;
}

export interface LinkSuiteResult {
  /** Bytes on the wire per message, frame header included. */
  frameBytes: { raw: number; mesh: number };
  throughput: ThroughputScenario[];
  roundTrip: RoundTripScenario[];
  pipelined: PipelinedScenario[];
  setup: SetupScenario[];
  bulkRoundTrip: BulkRoundTripScenario[];
  /** `deriveMeshKey` (scrypt) per call, over every call of every setup run, in ms. */
  keyDerivationMs?: Spread;
}

const script = (file: string) => workerScript(import.meta.url, file);
const SCRIPTS = {
  raw: { receiver: script('raw-receiver.js'), sender: script('raw-sender.js') },
  nest: { receiver: script('nest-receiver.js'), sender: script('nest-sender.js') },
  mesh: { receiver: script('mesh-receiver.js'), sender: script('mesh-sender.js') },
  setup: script('mesh-setup.js'),
};
const isMesh = (stack: Stack) => MESH_STACKS.includes(stack);

/**
 * Throughput and round-trip latency of a UC Mesh link (TCP and TLS), of a raw node:net socket and
 * of the `@nestjs/microservices` TCP transport, each run as a receiver process and a sender process
 * on 127.0.0.1; link setups of the mesh stacks.
 */
export async function runLinkSuite(options: LinkSuiteOptions): Promise<LinkSuiteResult> {
  const newScenario = <Run>(stack: Stack): Scenario<Run> => ({ stack, runs: [], failures: [], repeated: 0 });
  const throughput = STACKS.map((stack): ThroughputScenario => newScenario(stack));
  const roundTrip = STACKS.map((stack): RoundTripScenario => newScenario(stack));
  const pipelined = STACKS.map((stack): PipelinedScenario => newScenario(stack));
  const setup = MESH_STACKS.map((stack): SetupScenario => newScenario(stack));
  const bulkRoundTrip = MESH_STACKS.map((stack): BulkRoundTripScenario => newScenario(stack));
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log('starting the embedded PostgreSQL that holds the nodes’ identities');
  const database = await BenchDatabase.start(options.workDir);
  try {
    const nodes = new MeshNodes(database, options.workDir);
    for (let round = 0; round < options.runs; round++) {
      const order = rotated(STACKS, round);
      const label = (stack: Stack, what: string) => `round ${round + 1}/${options.runs} ${stack} ${what}`;
      const stacks = (scenario: LinkScenario) =>
        options.scenarios.includes(scenario)
          ? order.filter((stack) => (scenario !== 'setup' && scenario !== 'bulk-round-trip') || isMesh(stack))
          : [];
      for (const stack of stacks('throughput')) {
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
      for (const stack of stacks('round-trip')) {
        await measure(
          label(stack, 'round trip'),
          roundTrip.find((s) => s.stack === stack) as RoundTripScenario,
          () =>
            senderRun<RoundTripResult>(stack, 'round-trip', round, nodes, options, (r) => r.latencyUs.count),
          ({ sender: { latencyUs } }) =>
            `p50 ${formatFixed(latencyUs.p50)} µs, p99 ${formatFixed(latencyUs.p99)} µs ` +
            `(${formatCount(latencyUs.count)} round trips)`,
          repeatUntil,
          options,
        );
      }
      for (const stack of stacks('pipelined')) {
        await measure(
          label(stack, `pipelined (${options.inFlight} in flight)`),
          pipelined.find((s) => s.stack === stack) as PipelinedScenario,
          () => senderRun<PipelinedResult>(stack, 'pipelined', round, nodes, options, (r) => r.requests),
          ({ sender }) =>
            `${formatCount(sender.requestsPerSecond)} requests/s ` +
            `(${formatCount(sender.requests)} in ${formatFixed(sender.seconds, 2)} s)`,
          repeatUntil,
          options,
        );
      }
      for (const stack of stacks('setup')) {
        await measure(
          label(stack, 'link setup'),
          setup.find((s) => s.stack === stack) as SetupScenario,
          () => senderRun<SetupResult>(stack, 'setup', round, nodes, options, (r) => r.setups),
          ({ sender }) =>
            `${formatFixed(sender.setupsPerSecond)} setups/s (${sender.setups} in ` +
            `${formatFixed(sender.seconds, 2)} s, p50 ${formatFixed(sender.setupMs.p50, 2)} ms; ` +
            `${sender.failed} failed, ${sender.slowClose} slow to close); ` +
            `key derivation ${formatFixed(median(sender.keyDerivationMs), 1)} ms`,
          repeatUntil,
          options,
        );
      }
      for (const stack of stacks('bulk-round-trip')) {
        await measure(
          label(stack, 'round trip under 4 MiB bulk'),
          bulkRoundTrip.find((s) => s.stack === stack) as BulkRoundTripScenario,
          () =>
            senderRun<BulkRoundTripResult>(
              stack,
              'bulk-round-trip',
              round,
              nodes,
              options,
              (r) => r.latencyUs.count,
            ),
          ({ sender }) =>
            `p50 ${formatFixed(sender.latencyUs.p50)} µs, p99 ${formatFixed(sender.latencyUs.p99)} µs, ` +
            `max ${formatFixed(sender.latencyUs.max)} µs (${formatCount(sender.latencyUs.count)} round trips; ` +
            `${sender.bulkMessages} bulk messages, ${formatFixed(sender.bulkMiBPerSecond, 0)} MiB/s)`,
          repeatUntil,
          options,
        );
      }
    }
  } finally {
    await database.stop();
  }
  summarize(throughput, roundTrip);
  const keyDerivations = setup.flatMap((s) => s.runs.flatMap((run) => run.sender.keyDerivationMs));
  return {
    frameBytes: {
      raw: encodeJsonFrame(callState(0)).length,
      mesh: encodeLinkFrame.message(CALL_STATE_TOPIC, callState(0)).length,
    },
    throughput,
    roundTrip,
    pipelined: summarizePipelined(pipelined),
    setup: summarizeSetups(setup),
    bulkRoundTrip: summarizeBulk(bulkRoundTrip),
    keyDerivationMs: keyDerivations.length > 0 ? spread(keyDerivations) : undefined,
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

/**
 * A run whose sender reports the result (round trips, pipelined requests, link setups) and whose
 * receiver only answers; `count` tells how many the sender did.
 */
async function senderRun<Result extends { transport?: string }>(
  stack: Stack,
  mode: SenderConfig['mode'],
  round: number,
  nodes: MeshNodes,
  options: LinkSuiteOptions,
  count: (result: Result) => number,
): Promise<Measured & { sender: Result }> {
  return withPair(stack, mode, round, nodes, options, async (receiver, sender) => {
    const result = (await sender.next('result')).result as Result;
    receiver.command({ type: 'sender-done', count: count(result) });
    checkTransport(stack, result.transport);
    if (count(result) === 0) throw new Error(`no ${mode} finished within the time limit`);
    return result;
  }).then(({ value, load }) => ({ sender: value, load }));
}

/** What the sender does per mode: how many, and how many before those. */
function senderCounts(mode: SenderConfig['mode'], options: LinkSuiteOptions) {
  switch (mode) {
    case 'throughput':
      return { count: options.messages, warmup: 0 };
    case 'round-trip':
      return { count: options.roundTrips, warmup: options.warmup };
    case 'pipelined':
      return { count: options.requests, warmup: options.warmup };
    case 'setup':
      return { count: options.setups, warmup: 0 };
    case 'bulk-round-trip':
      // Round trips behind bulk data take milliseconds: a short warm-up, the time limit bounds the rest.
      return { count: options.roundTrips, warmup: Math.min(options.warmup, 100) };
  }
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
  const scripts = isMesh(stack) ? SCRIPTS.mesh : stack === 'nest-tcp' ? SCRIPTS.nest : SCRIPTS.raw;
  const senderScript = mode === 'setup' ? SCRIPTS.setup : scripts.sender;
  const encryption: MeshNodeConfig['encryption'] = stack === 'mesh-tls' ? 'starttls-optional' : 'none';
  const mesh = (role: Role) => (isMesh(stack) ? nodes.config(role, encryption) : undefined);
  const limitMs = options.timeLimitMs + STARTUP_ALLOWANCE_MS;
  const profile = (role: string) =>
    cpuProfileArgs(options.profileDir, `${stack}-${mode}-${role}-${round + 1}`);

  const receiverConfig: ReceiverConfig = {
    limitMs,
    mode: mode === 'throughput' ? 'sink' : mode === 'setup' ? 'accept' : 'echo',
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
      ...senderCounts(mode, options),
      inFlight: options.inFlight,
      timeLimitMs: options.timeLimitMs,
      mesh: await mesh('sender'),
    };
    sender = BenchProcess.start(`${stack} sender`, senderScript, senderConfig, profile('sender'));
    const meter = CpuMeter.start([receiver.pid, sender.pid]);
    const value = await collect(receiver, sender);
    return { value, load: meter.stop() };
  } finally {
    await sender?.stop();
    await receiver.stop();
  }
}

/** Per scenario: the spread of a figure over its runs, and its median over the raw socket's and Nest's. */
function relativeToBaselines<Run>(
  scenarios: Array<Scenario<Run>>,
  figure: (run: Run) => number,
): Array<{ spread?: Spread; ratioToRaw?: number; ratioToNest?: number }> {
  const spreads = scenarios.map((s) => (s.runs.length > 0 ? spread(s.runs.map(figure)) : undefined));
  const baseline = (stack: Stack) => spreads[scenarios.findIndex((s) => s.stack === stack)]?.median;
  const ratio = (value: Spread | undefined, base: number | undefined) =>
    base !== undefined && value ? value.median / base : undefined;
  const raw = baseline('raw');
  const nest = baseline('nest-tcp');
  return spreads.map((value) => ({
    spread: value,
    ratioToRaw: ratio(value, raw),
    ratioToNest: ratio(value, nest),
  }));
}

function summarize(throughput: ThroughputScenario[], roundTrip: RoundTripScenario[]): void {
  relativeToBaselines(throughput, (run) => run.receiver.messagesPerSecond).forEach((figure, i) =>
    Object.assign(throughput[i] as ThroughputScenario, {
      messagesPerSecond: figure.spread,
      ratioToRaw: figure.ratioToRaw,
      ratioToNest: figure.ratioToNest,
    }),
  );
  relativeToBaselines(roundTrip, (run) => run.sender.latencyUs.p50).forEach((figure, i) =>
    Object.assign(roundTrip[i] as RoundTripScenario, {
      p50Us: figure.spread,
      ratioToRaw: figure.ratioToRaw,
      ratioToNest: figure.ratioToNest,
    }),
  );
  relativeToBaselines(roundTrip, (run) => run.sender.latencyUs.p99).forEach((figure, i) =>
    Object.assign(roundTrip[i] as RoundTripScenario, {
      p99Us: figure.spread,
      p99RatioToRaw: figure.ratioToRaw,
    }),
  );
  for (const scenario of roundTrip) {
    if (scenario.runs.length === 0) continue;
    scenario.meanUs = spread(scenario.runs.map((run) => run.sender.latencyUs.mean));
  }
}

function summarizePipelined(scenarios: PipelinedScenario[]): PipelinedScenario[] {
  relativeToBaselines(scenarios, (run) => run.sender.requestsPerSecond).forEach((figure, i) =>
    Object.assign(scenarios[i] as PipelinedScenario, {
      requestsPerSecond: figure.spread,
      ratioToRaw: figure.ratioToRaw,
      ratioToNest: figure.ratioToNest,
    }),
  );
  return scenarios;
}

function summarizeBulk(scenarios: BulkRoundTripScenario[]): BulkRoundTripScenario[] {
  for (const scenario of scenarios) {
    if (scenario.runs.length === 0) continue;
    scenario.p50Us = spread(scenario.runs.map((run) => run.sender.latencyUs.p50));
    scenario.p99Us = spread(scenario.runs.map((run) => run.sender.latencyUs.p99));
    scenario.maxUs = spread(scenario.runs.map((run) => run.sender.latencyUs.max));
    scenario.bulkMiBPerSecond = spread(scenario.runs.map((run) => run.sender.bulkMiBPerSecond));
  }
  return scenarios;
}

function summarizeSetups(scenarios: SetupScenario[]): SetupScenario[] {
  for (const scenario of scenarios) {
    if (scenario.runs.length === 0) continue;
    scenario.setupsPerSecond = spread(scenario.runs.map((run) => run.sender.setupsPerSecond));
    scenario.setupP50Ms = spread(scenario.runs.map((run) => run.sender.setupMs.p50));
  }
  return scenarios;
}

/** The tables printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatLinkTables(result: LinkSuiteResult): string {
  const range = (value: Spread | undefined, format: (n: number) => string) =>
    value ? `${format(value.min)} – ${format(value.max)}` : '–';
  const { runs, others, share } = cells;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const ratio = (value: number | undefined) => (value === undefined ? '–' : `${formatFixed(value, 2)}×`);
  /** Median, min – max and the ratios to raw and to Nest of a rate. */
  const rate = (
    value: Spread | undefined,
    ratioToRaw: number | undefined,
    ratioToNest: number | undefined,
  ) => [
    formatCount(value?.median ?? Number.NaN),
    range(value, formatCount),
    ratio(ratioToRaw),
    ratio(ratioToNest),
  ];
  const throughput = formatTable(
    [
      'one-way',
      'runs',
      'msg/s median',
      'min – max',
      'vs raw',
      'vs nest',
      'rx loop busy',
      'tx loop busy',
      'others (cores)',
    ],
    result.throughput.map((s) => [
      s.stack,
      runs(s),
      ...rate(s.messagesPerSecond, s.ratioToRaw, s.ratioToNest),
      share(s.runs.map((run) => run.receiver.eventLoop)),
      share(s.runs.map((run) => run.sender.eventLoop)),
      others(s.runs),
    ]),
  );
  const latency = (value: Spread | undefined, digits = 1) =>
    value
      ? `${formatFixed(value.median, digits)} (${formatFixed(value.min, digits)} – ${formatFixed(value.max, digits)})`
      : '–';
  const roundTrip = formatTable(
    [
      'request/response',
      'runs',
      'p50 µs',
      'p99 µs',
      'mean µs',
      'p50 vs raw',
      'p99 vs raw',
      'p50 vs nest',
      'others (cores)',
    ],
    result.roundTrip.map((s) => [
      s.stack,
      runs(s),
      latency(s.p50Us),
      latency(s.p99Us),
      latency(s.meanUs),
      ratio(s.ratioToRaw),
      ratio(s.p99RatioToRaw),
      ratio(s.ratioToNest),
      others(s.runs),
    ]),
  );
  const pipelined = formatTable(
    [
      'pipelined',
      'runs',
      'requests/s median',
      'min – max',
      'vs raw',
      'vs nest',
      'tx loop busy',
      'others (cores)',
    ],
    result.pipelined.map((s) => [
      s.stack,
      runs(s),
      ...rate(s.requestsPerSecond, s.ratioToRaw, s.ratioToNest),
      share(s.runs.map((run) => run.sender.eventLoop)),
      others(s.runs),
    ]),
  );
  const setup = formatTable(
    ['link setup', 'runs', 'setups/s', 'setup p50 ms', 'failed / slow close', 'others (cores)'],
    result.setup.map((s) => [
      s.stack,
      runs(s),
      latency(s.setupsPerSecond),
      latency(s.setupP50Ms, 2),
      `${sum(s.runs.map((run) => run.sender.failed))} / ${sum(s.runs.map((run) => run.sender.slowClose))}`,
      others(s.runs),
    ]),
  );
  const bulk = formatTable(
    [
      'request/response under 4 MiB bulk',
      'runs',
      'p50 µs',
      'p99 µs',
      'max µs',
      'bulk MiB/s',
      'others (cores)',
    ],
    result.bulkRoundTrip.map((s) => [
      s.stack,
      runs(s),
      latency(s.p50Us, 0),
      latency(s.p99Us, 0),
      latency(s.maxUs, 0),
      latency(s.bulkMiBPerSecond, 0),
      others(s.runs),
    ]),
  );
  const key = `mesh key derivation (scrypt N=2^15, r=8): ${latency(result.keyDerivationMs)} ms per call`;
  const ran = (scenarios: Array<Scenario<unknown>>) => scenarios.some((s) => s.runs.length > 0);
  return [
    ran(result.throughput) && throughput,
    ran(result.roundTrip) && roundTrip,
    ran(result.pipelined) && pipelined,
    ran(result.setup) && `${setup}\n\n${key}`,
    ran(result.bulkRoundTrip) && bulk,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** A mesh stack must have negotiated the transport it is named after; the others have none. */
function checkTransport(stack: Stack, transport: string | undefined): void {
  const expected = { raw: undefined, 'nest-tcp': undefined, 'mesh-tcp': 'tcp', 'mesh-tls': 'tls' }[stack];
  if (transport !== expected) throw new Error(`the link runs over ${transport} instead of ${expected}`);
}
