import { STATE_TOPICS } from './state-wire.js';

/**
 * This node's state messages to one linked peer, sent one after another so the peer reads them in
 * order: a snapshot (taken when its turn comes, so it is current), then deltas. After a failed send
 * the deltas are skipped until the next snapshot, which holds them.
 */
export class PeerOutbox {
  private chain: Promise<void> = Promise.resolve();
  private snapshotQueued = false;
  private failed = false;
  private closed = false;

  constructor(
    private readonly send: (topic: string, payload: unknown) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Queues a snapshot unless one is queued already; `take` answers its payloads. */
  snapshot(take: () => unknown[]): void {
    if (this.snapshotQueued) return;
    this.snapshotQueued = true;
    this.enqueue(async () => {
      this.snapshotQueued = false;
      this.failed = false;
      for (const payload of take()) await this.send(STATE_TOPICS.snapshot, payload);
    });
  }

  delta(payloads: unknown[]): void {
    this.enqueue(async () => {
      if (this.failed) return;
      for (const payload of payloads) await this.send(STATE_TOPICS.delta, payload);
    });
  }

  /** The link is gone: nothing queued is sent any more. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when everything queued so far is sent or skipped (for tests and shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await job();
      } catch (error: unknown) {
        this.failed = true;
        if (!this.closed) this.onFailure(error);
      }
    });
  }
}
