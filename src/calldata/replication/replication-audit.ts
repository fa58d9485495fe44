import { Injectable, Logger } from '@nestjs/common';

/**
 * Why CallData from a peer was refused:
 * - `malformed`: a change or progress entry outside the wire format and its ranges;
 * - `not-origin`: a live change sent by a node other than its origin;
 * - `own-origin`: a change claiming to be this node's own;
 * - `stamp-ahead`: a stamp further ahead of this node's clock than the drift bound;
 * - `own-progress`: a peer vouching for how far this node's own log goes;
 * - `unbacked-through`: a peer vouching for more of an origin's log than it sent;
 * - `conflict`: a change under an (origin, sequence) already held with other content.
 */
export type RefusalReason =
  | 'malformed'
  | 'not-origin'
  | 'own-origin'
  | 'stamp-ahead'
  | 'own-progress'
  | 'unbacked-through'
  | 'conflict';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'malformed',
  'not-origin',
  'own-origin',
  'stamp-ahead',
  'own-progress',
  'unbacked-through',
  'conflict',
];

/** One kind of refusal in one message from one peer. */
export interface Refusal {
  reason: RefusalReason;
  /** How many changes or entries of the message it hit. */
  count: number;
  /** The first one, for the log. */
  example: string;
}

/**
 * Counts and logs what peers sent that this node refused — one warning per message and reason,
 * naming the peer, so a flood of bad changes cannot flood the log. The metrics read the counts.
 */
@Injectable()
export class ReplicationAudit {
  private readonly logger = new Logger('CallDataReplication');
  private readonly counts = new Map<RefusalReason, number>();
  private readonly listeners: Array<(reason: RefusalReason, count: number) => void> = [];

  /** Refusals so far, by reason. */
  count(reason: RefusalReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Called on every refusal with how many it was. */
  onRefused(listener: (reason: RefusalReason, count: number) => void): void {
    this.listeners.push(listener);
  }

  refuse(peer: string, refusals: Iterable<Refusal>): void {
    for (const { reason, count, example } of refusals) {
      if (count <= 0) continue;
      this.counts.set(reason, this.count(reason) + count);
      this.logger.warn(
        `refused ${count} ${count === 1 ? 'item' : 'items'} of CallData from ${peer} (${reason}): ${example}`,
      );
      for (const listener of this.listeners) listener(reason, count);
    }
  }
}

/** Gathers refusals of one message by reason. */
export class RefusalTally {
  private readonly byReason = new Map<RefusalReason, Refusal>();

  add(reason: RefusalReason, example: string): void {
    const refusal = this.byReason.get(reason);
    if (refusal) refusal.count++;
    else this.byReason.set(reason, { reason, count: 1, example });
  }

  get refusals(): Refusal[] {
    return [...this.byReason.values()];
  }
}
