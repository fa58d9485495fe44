import { ProcessMeter } from '../common/stats.js';
import type { PipelinedResult, SenderConfig } from './link-bench.types.js';

/**
 * Keeps `config.inFlight` requests outstanding: `config.warmup` requests first, then `config.count`
 * measured ones (fewer at the time limit). `ask(id)` sends request `id` and settles with its answer;
 * the same driver for every stack.
 */
export async function pipelined(
  config: SenderConfig,
  ask: (id: number) => Promise<void>,
): Promise<Omit<PipelinedResult, 'transport'>> {
  const deadline = performance.now() + config.timeLimitMs;
  const phase = async (first: number, end: number) => {
    let next = first;
    const lane = async () => {
      while (next < end && ((next & 1023) !== 0 || performance.now() < deadline)) await ask(next++);
    };
    await Promise.all(Array.from({ length: Math.min(config.inFlight, end - first) }, lane));
    return next - first;
  };
  await phase(0, config.warmup);
  const meter = new ProcessMeter();
  const requests = await phase(config.warmup, config.warmup + config.count);
  const cost = meter.stop();
  return { requests, requestsPerSecond: requests / cost.seconds, ...cost };
}
