import { setTimeout as sleep } from 'node:timers/promises';
import type { ThroughputSink } from '../link/throughput-sink.js';
import type { SlowHandlerConfig } from './overload.types.js';

/**
 * The receiver's handler, the same for every stack: at most `concurrency` calls run at once, each
 * takes `delayMs` (an I/O-bound consumer, e.g. a database write), the others wait in a queue, and
 * a finished call is counted by the sink. Callers that do not hold the sender back pile up here.
 */
export class SlowConsumer {
  private running = 0;
  /** FIFO of callers waiting for a slot; `head` instead of `shift()`, which is O(n) on millions. */
  private waiting: Array<(() => void) | undefined> = [];
  private head = 0;
  private peak = 0;

  constructor(
    private readonly config: SlowHandlerConfig,
    private readonly sink: ThroughputSink,
  ) {}

  /** Handler calls waiting for a slot, at most at once so far. */
  get peakWaiting(): number {
    return this.peak;
  }

  /** Handler calls waiting for a slot now. */
  get waitingNow(): number {
    return this.waiting.length - this.head;
  }

  async handle(payload: unknown): Promise<void> {
    if (this.running < this.config.concurrency) this.running++;
    else {
      const slot = new Promise<void>((done) => this.waiting.push(done));
      this.peak = Math.max(this.peak, this.waiting.length - this.head);
      await slot; // the slot is handed over by the call that finished
    }
    try {
      await sleep(this.config.delayMs);
      this.sink.accept(payload);
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting[this.head];
    if (!next) {
      this.running--;
      return;
    }
    this.waiting[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    next();
  }
}
