import { join } from 'node:path';
import { BenchDatabase } from '../common/bench-database.js';
import { BenchProcess } from '../common/bench-process.js';
import { CpuMeter } from '../common/cpu-meter.js';
import {
  cells,
  measure,
  type Measured,
  type MeasuredScenario,
  REPEAT_BUDGET_MS,
  STARTUP_ALLOWANCE_MS,
  workerScript,
} from '../common/measure.js';
import { MIB } from '../common/process-memory.js';
import { median } from '../common/stats.js';
import { formatCount, formatFixed, formatTable } from '../common/table.js';
import type { MeshNodeConfig } from '../link/link-bench.types.js';
import { MemoryWatch } from './memory-watch.js';
import {
  hitRssCap,
  isMeshStack,
  OVERLOAD_STACKS,
  type OverloadReceiverConfig,
  type OverloadReceiverResult,
  type OverloadSenderConfig,
  type OverloadSenderResult,
  type OverloadStack,
  type SlowHandlerConfig,
} from './overload.types.js';
import { cpuProfileArgs, rotated } from '../common/run-order.js';
import { MESH_DEFAULTS } from '../../src/mesh/mesh-config.js';

export interface OverloadSuiteOptions {
  /** Runs of every stack; the stacks alternate within each round. */
  runs: number;
  /** Messages each sender tries to send at most. */
  attempts: number;
  /** Upper bound of the sending part of every run. */
  timeLimitMs: number;
  /** A sender stops (and drops what its stack holds) once it or the receiver is this large. */
  rssCapBytes: number;
  /** Cores other programs may use (see `measure`). */
  maxOtherLoad: number;
  /** Where the processes write `--cpu-prof` profiles; undefined = no profiling. */
  profileDir?: string;
  /** Scratch folder: the embedded database and the nodes' data folders. */
  workDir: string;
  log(line: string): void;
}

export interface OverloadRun extends Measured {
  sender: OverloadSenderResult;
  receiver: OverloadReceiverResult;
  /** Accepted by the sender's stack but never handled by the receiver by the end of the run. */
  lost: number;
  /** Highest resident size (VmHWM) of each process over the whole run, startup included. */
  senderPeakRssBytes: number;
  receiverPeakRssBytes: number;
}

export interface OverloadScenario extends MeasuredScenario<OverloadRun> {
  stack: OverloadStack;
}

export interface OverloadSuiteResult {
  handler: SlowHandlerConfig;
  /** Bound of resident size a mesh process must stay under (the "a few hundred MB"). */
  meshRssBoundBytes: number;
  scenarios: OverloadScenario[];
}

/**
 * 32 calls at a time of 1 ms each: some 25,000 messages/s at best, a fraction of what every
 * sender produces, so each of them meets a consumer that cannot keep up.
 */
const HANDLER: SlowHandlerConfig = { concurrency: 32, delayMs: 1 };
/** After the sender finished, the messages still on their way may take this long to be handled. */
const DRAIN_LIMIT_MS = 30_000;
const MESH_RSS_BOUND_BYTES = 512 * MIB;
/** Beyond the cap a process is killed: the caps are checked between batches, this is the backstop. */
const HARD_CAP_MARGIN_BYTES = 512 * MIB;

const script = (file: string) => workerScript(import.meta.url, file);
const SCRIPTS = {
  mesh: { receiver: script('mesh-overload-receiver.js'), sender: script('mesh-overload-sender.js') },
  nest: { receiver: script('nest-overload-receiver.js'), sender: script('nest-overload-sender.js') },
  raw: { receiver: script('raw-overload-receiver.js'), sender: script('raw-overload-sender.js') },
};
const scriptsOf = (stack: OverloadStack) =>
  isMeshStack(stack) ? SCRIPTS.mesh : stack === 'nest-tcp-emit' ? SCRIPTS.nest : SCRIPTS.raw;

/**
 * A sender far faster than its receiver's handler, each a process on 127.0.0.1: what each stack
 * does with the difference — hold the sender back, refuse, or buffer — seen in the processes'
 * peak memory and in the messages lost.
 */
export async function runOverloadSuite(options: OverloadSuiteOptions): Promise<OverloadSuiteResult> {
  const scenarios = OVERLOAD_STACKS.map((stack): OverloadScenario => ({
    stack,
    runs: [],
    failures: [],
    repeated: 0,
  }));
  const repeatUntil = Date.now() + REPEAT_BUDGET_MS;
  options.log('starting the embedded PostgreSQL that holds the mesh nodes’ identities');
  const database = await BenchDatabase.start(options.workDir);
  let nodes = 0;
  const meshConfig = async (role: string): Promise<MeshNodeConfig> => ({
    // A new database per process: a node remembers the peers it linked with.
    databaseUrl: await database.create(`overload_${role}_${++nodes}`),
    dataDir: join(options.workDir, `overload-${role}`),
    encryption: 'none',
  });
  try {
    for (let round = 0; round < options.runs; round++) {
      for (const stack of rotated(OVERLOAD_STACKS, round)) {
        const scenario = scenarios.find((s) => s.stack === stack) as OverloadScenario;
        const kept = scenario.runs.length;
        await measure(
          `round ${round + 1}/${options.runs} ${stack} overload`,
          scenario,
          () => overloadRun(stack, round, meshConfig, options),
          describeRun,
          repeatUntil,
          options,
        );
        const run = scenario.runs[kept];
        if (run && isMeshStack(stack)) scenario.failures.push(...meshViolations(stack, run));
      }
    }
  } finally {
    await database.stop();
  }
  return { handler: HANDLER, meshRssBoundBytes: MESH_RSS_BOUND_BYTES, scenarios };
}

async function overloadRun(
  stack: OverloadStack,
  round: number,
  meshConfig: (role: string) => Promise<MeshNodeConfig>,
  options: OverloadSuiteOptions,
): Promise<OverloadRun> {
  const scripts = scriptsOf(stack);
  const mesh = isMeshStack(stack);
  const limitMs = options.timeLimitMs + DRAIN_LIMIT_MS + STARTUP_ALLOWANCE_MS;
  const profile = (role: string) =>
    cpuProfileArgs(options.profileDir, `overload-${stack}-${role}-${round + 1}`);
  const receiverConfig: OverloadReceiverConfig = {
    limitMs,
    handler: HANDLER,
    rssCapBytes: options.rssCapBytes,
    drainLimitMs: DRAIN_LIMIT_MS,
    mesh: mesh ? await meshConfig('receiver') : undefined,
  };
  const receiver = BenchProcess.start(
    `${stack} receiver`,
    scripts.receiver,
    receiverConfig,
    profile('receiver'),
  );
  let sender: BenchProcess | undefined;
  let watch: MemoryWatch | undefined;
  try {
    const ready = await receiver.next('ready');
    const senderConfig: OverloadSenderConfig = {
      limitMs,
      port: ready.port,
      nodeId: ready.nodeId,
      receiverPid: receiver.pid,
      attempts: options.attempts,
      timeLimitMs: options.timeLimitMs,
      rssCapBytes: options.rssCapBytes,
      backpressure: stack === 'mesh-tcp-wait' ? 'wait' : stack === 'mesh-tcp-reject' ? 'reject' : undefined,
      mesh: mesh ? await meshConfig('sender') : undefined,
    };
    sender = BenchProcess.start(`${stack} sender`, scripts.sender, senderConfig, profile('sender'));
    watch = new MemoryWatch([receiver, sender], options.rssCapBytes + HARD_CAP_MARGIN_BYTES, (line) =>
      options.log(line),
    );
    const meter = CpuMeter.start([receiver.pid, sender.pid]);
    const sent = (await sender.next('result')).result as OverloadSenderResult;
    if (mesh && sent.transport !== 'tcp')
      throw new Error(`the link runs over ${sent.transport} instead of tcp`);
    receiver.command({ type: 'sender-done', count: sent.accepted });
    const received = (await receiver.next('result')).result as OverloadReceiverResult;
    const [receiverPeak, senderPeak] = watch.peaks();
    return {
      sender: sent,
      receiver: received,
      lost: sent.accepted - received.received,
      senderPeakRssBytes: senderPeak as number,
      receiverPeakRssBytes: receiverPeak as number,
      load: meter.stop(),
    };
  } finally {
    watch?.stop();
    await sender?.stop();
    await receiver.stop();
  }
}

/** What a mesh link promises under overload; each broken promise fails the suite. */
function meshViolations(stack: OverloadStack, run: OverloadRun): string[] {
  const { sender, receiver } = run;
  const bound = formatFixed(MESH_RSS_BOUND_BYTES / MIB, 0);
  return [
    run.lost !== 0 && `${formatCount(run.lost)} of ${formatCount(sender.accepted)} accepted messages lost`,
    receiver.invalid > 0 && `${receiver.invalid} messages arrived damaged`,
    // A BackpressureError under policy `wait` ends the run (the sender rethrows it): no check here.
    hitRssCap(sender.stoppedBy) && `the run hit the RSS cap (${sender.stoppedBy})`,
    // The receiver's flow control: it stops reading once this many handler calls are in progress
    // (plus what the read already holds), so its queue stays near that, not near the attempts.
    receiver.peakWaiting > 2 * MESH_DEFAULTS.maxHandlersInProgress &&
      `the receiver queued ${formatCount(receiver.peakWaiting)} handler calls`,
    // Held back: under `wait` the sender goes at the receiver's pace, beyond what the buffers take.
    stack === 'mesh-tcp-wait' &&
      sender.accepted / sender.seconds > 2 * receiver.messagesPerSecond &&
      `the sender was not held back (${formatCount(sender.accepted / sender.seconds)} msg/s accepted, ${formatCount(receiver.messagesPerSecond)} handled)`,
    // Under `reject` an outpaced receiver must make the sender see BackpressureErrors.
    stack === 'mesh-tcp-reject' && sender.rejected === 0 && 'no send was refused with BackpressureError',
    run.senderPeakRssBytes >= MESH_RSS_BOUND_BYTES && `sender peak RSS above ${bound} MiB`,
    run.receiverPeakRssBytes >= MESH_RSS_BOUND_BYTES && `receiver peak RSS above ${bound} MiB`,
  ].filter((problem): problem is string => typeof problem === 'string');
}

function describeRun(run: OverloadRun): string {
  const { sender, receiver } = run;
  return (
    `${formatCount(sender.attempted)} attempted, ${formatCount(sender.rejected)} rejected, ` +
    `${formatCount(receiver.received)} received, ${formatCount(run.lost)} lost; ` +
    `peak RSS sender ${mib(run.senderPeakRssBytes)} MiB, receiver ${mib(run.receiverPeakRssBytes)} MiB; ` +
    `${formatCount(receiver.messagesPerSecond)} msg/s handled; stopped by ${sender.stoppedBy} / ${receiver.stoppedBy}`
  );
}

const mib = (bytes: number) => formatFixed(bytes / MIB, 0);

/** The table printed at the end and pasted into docs/BENCHMARKS.md. */
export function formatOverloadTables(result: OverloadSuiteResult): string {
  const { runs, others } = cells;
  const med = (values: number[]) => (values.length > 0 ? median(values) : Number.NaN);
  const max = (values: number[]) => (values.length > 0 ? Math.max(...values) : Number.NaN);
  /** Each distinct value with how often, e.g. `receiver-rss-cap ×3`. */
  const tally = (values: string[]) =>
    [...new Set(values)]
      .map((value) => {
        const times = values.filter((v) => v === value).length;
        return times > 1 ? `${value} ×${times}` : value;
      })
      .join(', ') || '–';
  const table = formatTable(
    [
      'overload',
      'runs',
      'attempted',
      'rejected',
      'received',
      'lost',
      'tx peak MiB',
      'rx peak MiB',
      'rx queue peak',
      'rx queue at end',
      'handled msg/s',
      'sender stopped by',
      'receiver stopped by',
      'others (cores)',
    ],
    result.scenarios.map((s) => [
      s.stack,
      runs(s),
      formatCount(med(s.runs.map((run) => run.sender.attempted))),
      formatCount(med(s.runs.map((run) => run.sender.rejected))),
      formatCount(med(s.runs.map((run) => run.receiver.received))),
      formatCount(max(s.runs.map((run) => run.lost))),
      mib(max(s.runs.map((run) => run.senderPeakRssBytes))),
      mib(max(s.runs.map((run) => run.receiverPeakRssBytes))),
      formatCount(max(s.runs.map((run) => run.receiver.peakWaiting))),
      formatCount(max(s.runs.map((run) => run.receiver.waitingAtEnd))),
      formatCount(med(s.runs.map((run) => run.receiver.messagesPerSecond))),
      tally(s.runs.map((run) => run.sender.stoppedBy)),
      tally(s.runs.map((run) => run.receiver.stoppedBy)),
      others(s.runs),
    ]),
  );
  const { concurrency, delayMs } = result.handler;
  const failures = result.scenarios.flatMap((s) =>
    s.failures.map((failure) => `FAILED ${s.stack}: ${failure}`),
  );
  return [
    table,
    `medians over the runs; lost, peak RSS and queues: the largest. Lost: accepted by the sender's ` +
      `stack, not handled by the end of the run (dropped on the way, or still queued in the receiver). ` +
      `Receiver handler: ` +
      `${concurrency} calls at a time, ${delayMs} ms each.`,
    ...failures,
  ].join('\n');
}
