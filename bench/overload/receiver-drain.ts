import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerChannel } from '../common/worker.js';
import type { ThroughputSink } from '../link/throughput-sink.js';
import type { OverloadReceiverConfig, OverloadReceiverResult, ReceiverStop } from './overload.types.js';
import type { SlowConsumer } from './slow-consumer.js';

const POLL_MS = 100;
/**
 * Once the sender's count is known, this many polls in a row (3 s) without a message handled end
 * the run. Polls, not elapsed time: a long GC pause of a bloated receiver is no stall.
 */
const STALL_POLLS = 30;

/**
 * Counts until the end of the run and reports it: once the sender has finished, until every
 * message it handed over was handled, nothing more came for a while, or the drain limit passed;
 * at once (also while the sender still sends) when this process passes the RSS cap.
 */
export async function reportWhenDrained(
  channel: WorkerChannel<OverloadReceiverConfig>,
  sink: ThroughputSink,
  consumer: SlowConsumer,
): Promise<void> {
  const { config } = channel;
  let expected: number | undefined;
  let drainStart = 0;
  channel.whenSenderDone((count) => {
    expected = count;
    drainStart = performance.now();
  });
  let lastCount = -1;
  let quietPolls = 0;
  let stoppedBy: ReceiverStop | undefined;
  // Bounded by the process's own time limit (runWorker) and the drain limit.
  while (!stoppedBy) {
    await sleep(POLL_MS);
    const { received } = sink.result();
    quietPolls = received === lastCount ? quietPolls + 1 : 0;
    lastCount = received;
    if (process.memoryUsage.rss() >= config.rssCapBytes) stoppedBy = 'rss-cap';
    else if (expected === undefined) continue;
    else if (received >= expected) stoppedBy = 'all-received';
    else if (quietPolls >= STALL_POLLS) stoppedBy = 'stalled';
    else if (performance.now() - drainStart >= config.drainLimitMs) stoppedBy = 'drain-limit';
  }
  const { received, invalid, seconds, messagesPerSecond } = sink.result();
  const result: OverloadReceiverResult = {
    received,
    invalid,
    seconds,
    messagesPerSecond,
    peakWaiting: consumer.peakWaiting,
    waitingAtEnd: consumer.waitingNow,
    stoppedBy,
  };
  await channel.report({ type: 'result', result });
}
