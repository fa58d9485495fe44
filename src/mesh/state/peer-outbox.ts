import { STATE_TOPICS } from './state-wire.js';

/** Delta messages waiting for one peer above which a snapshot replaces them (a slow peer). */
export const MAX_QUEUED_DELTAS = 256;

/**
 * This node's state messages to one linked peer, sent one after another so the peer reads them in
 * order: a snapshot (taken when its turn comes, so it holds every change made until then), then
 * deltas. Hence a delta made while a snapshot waits is not queued, and deltas queued before a
 * snapshot are skipped — after a failed send, or when too many wait for a slow peer.
 */
export class PeerOutbox {
  private chain: Promise<void> = Promise.resolve();
  private snapshotQueued = false;
  private queuedDeltas = 0;
  /** Skip the deltas queued so far: a snapshot queued after them holds their changes. */
  private skipping = false;
  private closed = false;

  constructor(
    private readonly send: (topic: string, payload: unknown) => Promise<void>,
    /** The payloads of a snapshot of this node's entries now. */
    private readonly take: () => unknown[],
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Queues a snapshot unless one waits already. */
  snapshot(): void {
    if (this.snapshotQueued) return;
    this.snapshotQueued = true;
    this.enqueue(async () => {
      this.snapshotQueued = false;
      this.skipping = false;
      for (const payload of this.take()) await this.send(STATE_TOPICS.snapshot, payload);
    });
  }

  delta(payloads: unknown[]): void {
    if (this.snapshotQueued) return;
    if (this.queuedDeltas >= MAX_QUEUED_DELTAS) {
      this.skipping = true;
      return this.snapshot();
    }
    this.queuedDeltas++;
    this.enqueue(async () => {
      this.queuedDeltas--;
      if (this.skipping) return;
      for (const payload of payloads) await this.send(STATE_TOPICS.delta, payload);
    });
  }

  /** The link is gone: nothing queued is sent any more. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when everything queued so far is sent or skipped. */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await job();
      } catch (error: unknown) {
        this.skipping = true;
        if (!this.closed) this.onFailure(error);
      }
    });
  }
}
