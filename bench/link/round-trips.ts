import { ProcessMeter, summarizeLatencies } from '../common/stats.js';
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
  let meter = new ProcessMeter();
  for (let id = 0; id < total && performance.now() < deadline; id++) {
    if (id === config.warmup) {
      meter.stop();
      meter = new ProcessMeter();
    }
    const sentAt = performance.now();
    await ask(id);
    if (id >= config.warmup) samples[measured++] = (performance.now() - sentAt) * 1000;
  }
  return { latencyUs: summarizeLatencies(samples.subarray(0, measured)), ...meter.stop() };
}
