import { cpuShare, eventLoopBusy, GcTimer, summarizeLatencies } from '../common/stats.js';
import type { RoundTripResult, SenderConfig } from './link-bench.types.js';

/**
 * One request in flight: `ask(id)` resolves with its answer, then the next goes out. The first
 * `config.warmup` round trips are not measured; stops at `config.timeLimitMs`.
 */
export async function roundTrips(
  ask: (id: number) => Promise<void>,
  config: SenderConfig,
): Promise<RoundTripResult> {
  const total = config.warmup + config.count;
  const samples = new Float64Array(config.count);
  const deadline = performance.now() + config.timeLimitMs;
  let measured = 0;
  let cpuStart = process.cpuUsage();
  let loopStart = performance.eventLoopUtilization();
  let gc = new GcTimer();
  let start = performance.now();
  for (let id = 0; id < total && performance.now() < deadline; id++) {
    if (id === config.warmup) {
      cpuStart = process.cpuUsage();
      loopStart = performance.eventLoopUtilization();
      gc.stop();
      gc = new GcTimer();
      start = performance.now();
    }
    const sentAt = performance.now();
    await ask(id);
    if (id >= config.warmup) samples[measured++] = (performance.now() - sentAt) * 1000;
  }
  const wallMs = performance.now() - start;
  return {
    latencyUs: summarizeLatencies(samples.subarray(0, measured)),
    seconds: wallMs / 1000,
    cpu: cpuShare(cpuStart, wallMs),
    eventLoop: eventLoopBusy(loopStart),
    gcMs: gc.stop(),
  };
}
