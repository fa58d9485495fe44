import { isCallState } from '../link/call-state.js';
import { epochMs } from './clock.js';
import type { CollectStepResult } from './scale-bench.types.js';

/** Counts the fan-out messages a node receives, with the epoch times of the first and the last. */
export class FanOutReceipts {
  private received = 0;
  private invalid = 0;
  private firstAt?: number;
  private lastAt?: number;
  private expected = Number.POSITIVE_INFINITY;
  private wake?: () => void;
  private readonly linkDowns: Record<string, number> = {};

  accept(payload: unknown): void {
    const now = epochMs();
    if (!isCallState(payload)) this.invalid++;
    this.firstAt ??= now;
    this.lastAt = now;
    if (++this.received >= this.expected) this.wake?.();
  }

  /** A link of this node went down (any peer): counted, since it may have lost messages. */
  linkDown(reason: string): void {
    this.linkDowns[reason] = (this.linkDowns[reason] ?? 0) + 1;
  }

  /** Settles once `expected` messages are in, or after `limitMs` with what came. */
  async collect(expected: number, limitMs: number): Promise<CollectStepResult> {
    this.expected = expected;
    if (this.received < expected) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.wake = done;
        timer = setTimeout(done, limitMs);
      });
      clearTimeout(timer);
    }
    const { received, invalid, firstAt, lastAt, linkDowns } = this;
    return { received, invalid, firstAt, lastAt, linkDowns };
  }
}
