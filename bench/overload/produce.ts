import { setImmediate as nextTurn } from 'node:timers/promises';
import { processMemory } from '../common/process-memory.js';
import type { OverloadSenderConfig, OverloadSenderResult, SenderStop } from './overload.types.js';

/**
 * Hands message `seq` to the stack: true when taken, false when refused with backpressure; a
 * promise when the stack makes the caller wait.
 */
export type Offer = (seq: number) => boolean | Promise<boolean>;

/** Messages offered per turn of the event loop, so that the sockets get to write in between. */
const BATCH = 1024;

/**
 * The producer, the same for every stack: offers messages as fast as the stack lets it, in
 * batches, until `attempts`, the time limit, or until this process or the receiver passes the RSS
 * cap (checked between batches).
 */
export async function produce(
  config: OverloadSenderConfig,
  offer: Offer,
): Promise<Pick<OverloadSenderResult, 'attempted' | 'accepted' | 'rejected' | 'seconds' | 'stoppedBy'>> {
  const start = performance.now();
  const deadline = start + config.timeLimitMs;
  let attempted = 0;
  let accepted = 0;
  let stoppedBy: SenderStop | undefined;
  while (!stoppedBy) {
    if (attempted >= config.attempts) stoppedBy = 'attempts';
    else if (performance.now() >= deadline) stoppedBy = 'time';
    else if (process.memoryUsage.rss() >= config.rssCapBytes) stoppedBy = 'sender-rss-cap';
    else if ((processMemory(config.receiverPid)?.rss ?? 0) >= config.rssCapBytes)
      stoppedBy = 'receiver-rss-cap';
    else {
      for (const end = Math.min(attempted + BATCH, config.attempts); attempted < end;) {
        const taken = offer(attempted++);
        if (taken === true || (taken !== false && (await taken))) accepted++;
      }
      await nextTurn();
    }
  }
  return {
    attempted,
    accepted,
    rejected: attempted - accepted,
    seconds: (performance.now() - start) / 1000,
    stoppedBy,
  };
}
