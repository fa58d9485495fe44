// Sender of the CallData suite: a node that calls `CallDataService.set`, alone or linked to the receiver.
import { CallDataService } from '../../src/calldata/calldata.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { cpuShare, eventLoopBusy, GcTimer, summarizeLatencies } from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import { linkTo } from '../link/mesh-node.js';
import type { CallDataSenderConfig, SenderResult } from './calldata-bench.types.js';
import { callDataFields, callLinkageIdOf, fieldBytes, wallNow } from './calldata-fields.js';
import { startCallDataNode } from './calldata-node.js';
import { prefillAndAnalyze } from './prefill.js';

/** Paced sets still unresolved above which the lag run stops starting new ones until some resolve. */
const MAX_IN_FLIGHT = 10_000;
/** After the last paced set started, the others are awaited this long at most. */
const SETTLE_LIMIT_MS = 30_000;

runWorker<CallDataSenderConfig>(async (channel) => {
  const { config } = channel;
  const app = await startCallDataNode(config.node);
  if (config.prefill > 0) await prefillAndAnalyze(app, config.prefill);
  const link = app.get(LinkService);
  if (config.mode !== 'local') {
    if (config.port === undefined || config.nodeId === undefined) {
      throw new Error('a replicating sender needs the receiver’s port and node ID');
    }
    await linkTo(app, config.port);
    if (!link.isLinked(config.nodeId)) throw new Error(`linked, but not to the receiver ${config.nodeId}`);
  } else if (link.linkedNodes().length > 0) {
    throw new Error('the local sender has a peer');
  }
  const calldata = app.get(CallDataService);
  // The orchestrator measures the machine's CPU from here on.
  await channel.report({ type: 'ready', port: link.port });
  const result = config.mode === 'lag' ? await paced(calldata, config) : await flat(calldata, config);
  await channel.report({ type: 'result', result });
  // The receiver may still pull from this node; from the sender's stop on, both shut down and
  // their links report that as warnings: expected.
  app.useLogger(['error']);
  await channel.stopped;
  await app.close();
});

/** `concurrency` callers, each awaiting its set before the next: as fast as the node commits. */
async function flat(calldata: CallDataService, config: CallDataSenderConfig): Promise<SenderResult> {
  const latencies = new Float64Array(config.count);
  const meter = new SenderMeter();
  const deadline = meter.start + config.timeLimitMs;
  let next = 0;
  let done = 0;
  let failed = 0;
  let lastResolved = meter.start;
  const caller = async () => {
    while (next < config.count && performance.now() < deadline) {
      const index = next++;
      const started = performance.now();
      try {
        await calldata.set(callLinkageIdOf(index), callDataFields(index, performance.timeOrigin + started));
        lastResolved = performance.now();
        latencies[done++] = (lastResolved - started) * 1000;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, caller));
  return meter.result(done, failed, lastResolved, latencies.subarray(0, done));
}

/**
 * `rate` sets per second on a fixed schedule, each started without waiting for the earlier ones
 * (open loop, as calls arrive at a PBX); the first `warmup` are left out of the latencies.
 */
async function paced(calldata: CallDataService, config: CallDataSenderConfig): Promise<SenderResult> {
  const latencies = new Float64Array(config.count);
  const meter = new SenderMeter();
  const deadline = meter.start + config.timeLimitMs;
  const intervalMs = 1000 / config.rate;
  const pending = new Set<Promise<void>>();
  let measured = 0;
  let done = 0;
  let failed = 0;
  let lastResolved = meter.start;
  const setOne = async (index: number) => {
    const started = performance.now();
    try {
      await calldata.set(callLinkageIdOf(index), callDataFields(index, performance.timeOrigin + started));
      lastResolved = performance.now();
      done++;
      if (index >= config.warmup) latencies[measured++] = (lastResolved - started) * 1000;
    } catch {
      failed++;
    }
  };
  for (let index = 0; index < config.count && performance.now() < deadline;) {
    const wait = meter.start + index * intervalMs - performance.now();
    if (wait > 0 || pending.size >= MAX_IN_FLIGHT) {
      await sleep(Math.max(wait, 1));
      continue;
    }
    const set = setOne(index++);
    pending.add(set);
    void set.finally(() => pending.delete(set));
  }
  await Promise.race([Promise.all(pending), sleep(SETTLE_LIMIT_MS)]);
  return meter.result(done, failed, lastResolved, latencies.subarray(0, measured));
}

/** The sender's time, CPU, event loop and GC over its sets. */
class SenderMeter {
  readonly start = performance.now();
  private readonly startedAt = performance.timeOrigin + this.start;
  private readonly cpuStart = process.cpuUsage();
  private readonly loopStart = performance.eventLoopUtilization();
  private readonly gc = new GcTimer();

  result(sets: number, failed: number, lastResolved: number, latenciesUs: Float64Array): SenderResult {
    const wallMs = lastResolved - this.start;
    return {
      sets,
      failed,
      seconds: wallMs / 1000,
      setsPerSecond: wallMs > 0 ? sets / (wallMs / 1000) : Number.NaN,
      firstStartedAt: this.startedAt,
      setLatencyUs: summarizeLatencies(latenciesUs),
      cpu: cpuShare(this.cpuStart, wallMs),
      eventLoop: eventLoopBusy(this.loopStart),
      gcMs: this.gc.stop(),
      fieldBytes: fieldBytes(callDataFields(0, wallNow())),
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
