import { cpuShare, eventLoopBusy, type EventLoopUtilization, GcTimer } from '../common/stats.js';
import { isCallState } from './call-state.js';
import type { ThroughputReceiverResult } from './link-bench.types.js';

/** After the sender's final count is known, missing messages are awaited this long. */
const STRAGGLER_GRACE_MS = 5_000;

/** Counts received messages and times the first and the last; the same for every stack. */
export class ThroughputSink {
  /** Settles with the last expected message, or after the grace period once the count is final. */
  readonly done: Promise<void>;
  private received = 0;
  private invalid = 0;
  private first = 0;
  private last = 0;
  private cpuStart?: NodeJS.CpuUsage;
  private loopStart?: EventLoopUtilization;
  private cpu = Number.NaN;
  private eventLoop = Number.NaN;
  private gc?: GcTimer;
  private gcMs = Number.NaN;
  private finished = false;
  private finish!: () => void;

  constructor(private expected: number) {
    this.done = new Promise((done) => (this.finish = done));
  }

  accept(payload: unknown): void {
    const now = performance.now();
    if (!isCallState(payload)) this.invalid++;
    if (this.received === 0) {
      this.first = now;
      this.cpuStart = process.cpuUsage();
      this.loopStart = performance.eventLoopUtilization();
      this.gc = new GcTimer();
    }
    this.last = now;
    if (++this.received === this.expected) this.complete();
  }

  /** The number the sender actually sent. */
  expect(count: number): void {
    this.expected = count;
    if (this.received >= count) this.complete();
    else setTimeout(() => this.complete(), STRAGGLER_GRACE_MS).unref();
  }

  result(): ThroughputReceiverResult {
    const seconds = (this.last - this.first) / 1000;
    return {
      received: this.received,
      invalid: this.invalid,
      seconds,
      messagesPerSecond: seconds > 0 ? (this.received - 1) / seconds : Number.NaN,
      cpu: this.cpu,
      eventLoop: this.eventLoop,
      gcMs: this.gcMs,
    };
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.cpuStart) this.cpu = cpuShare(this.cpuStart, this.last - this.first);
    if (this.loopStart) this.eventLoop = eventLoopBusy(this.loopStart);
    if (this.gc) this.gcMs = this.gc.stop();
    this.finish();
  }
}
