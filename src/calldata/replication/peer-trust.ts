import type { CallDataChange } from '../calldata.js';
import { type Refusal, RefusalTally } from './replication-audit.js';
import { changesOf, MAX_SEQ } from './wire-changes.js';

/**
 * What this node takes from an authenticated peer — bounded trust (docs/SECURITY.md):
 * - no change claiming to be this node's own, and no progress of this node's own log;
 * - no stamp more than the drift bound ahead of this node's clock (`stampLimit`);
 * - a live change only from its origin;
 * - a pull answer's `through` for an origin only as far as the answer itself backs it.
 * Pure: the replicator feeds it the wire payload and logs and counts the refusals.
 */
export interface TrustContext {
  /** This node. */
  self: string;
  /** The peer the payload came from. */
  peer: string;
  /** The greatest stamp accepted now: this node's wall clock plus the drift bound. */
  stampLimit: bigint;
}

export interface VettedChanges {
  changes: CallDataChange[];
  refusals: Refusal[];
}

/** Vets `calldata.changes`: the origin's own new changes, sent live by the origin itself. */
export function vetLiveChanges(payload: unknown, context: TrustContext): VettedChanges {
  const tally = new RefusalTally();
  const changes = wellFormed(payload, tally).filter((change) => {
    if (change.origin !== context.peer) {
      tally.add('not-origin', `change ${change.origin}#${change.seq} sent live by another node`);
      return false;
    }
    return stampAccepted(change, context, tally);
  });
  return { changes, refusals: tally.refusals };
}

export interface VettedPull extends VettedChanges {
  /** Per origin, how far the answer is complete — only where it backs the claim. */
  through: Record<string, number>;
}

/**
 * Vets a `calldata.pull` answer to the vector `have` this node asked with.
 *
 * The `through` rule: for an origin, the peer may vouch up to the highest sequence number of that
 * origin among the well-formed changes it sends in this very answer (a gap below it is what the
 * peer purged), and never above; without changes of the origin it vouches for nothing new. If a
 * change was refused for its stamp only, `through` stops below it, so it is asked for again once
 * this node's clock has caught up. Anything above is refused as `unbacked-through`.
 */
export function vetPullAnswer(
  answer: unknown,
  have: Readonly<Record<string, number>>,
  context: TrustContext,
): VettedPull {
  const tally = new RefusalTally();
  const highest = new Map<string, number>();
  const deferred = new Map<string, number>();
  const changes = wellFormed(answer, tally).filter((change) => {
    highest.set(change.origin, Math.max(highest.get(change.origin) ?? 0, change.seq));
    if (change.origin === context.self) {
      tally.add('own-origin', `change ${change.origin}#${change.seq} claims to be this node's`);
      return false;
    }
    if (stampAccepted(change, context, tally)) return true;
    deferred.set(change.origin, Math.min(deferred.get(change.origin) ?? change.seq, change.seq));
    return false;
  });
  const through: Record<string, number> = {};
  const claimed = (answer as { through?: unknown } | null)?.through;
  if (typeof claimed !== 'object' || claimed === null || Array.isArray(claimed)) {
    if (claimed !== undefined) tally.add('malformed', 'through must be an object');
    return { changes, through, refusals: tally.refusals };
  }
  const entries = Object.entries(claimed as Record<string, unknown>);
  if (entries.length > 4096) {
    tally.add('malformed', 'through has too many origins');
    return { changes, through, refusals: tally.refusals };
  }
  for (const [origin, seq] of entries) {
    if (
      !UUID.test(origin) ||
      !Number.isSafeInteger(seq) ||
      (seq as number) < 0 ||
      (seq as number) > MAX_SEQ
    ) {
      tally.add(
        'malformed',
        `through has a bad entry for ${origin.slice(0, 40)}: ${String(seq).slice(0, 40)}`,
      );
      continue;
    }
    if (origin === context.self) {
      tally.add('own-progress', `through claims this node's own log up to ${String(seq)}`);
      continue;
    }
    const backed = Math.max(have[origin] ?? 0, highest.get(origin) ?? 0);
    let vouched = seq as number;
    if (vouched > backed) {
      tally.add('unbacked-through', `through ${origin} ${vouched} exceeds the ${backed} the answer backs`);
      vouched = backed;
    }
    const stop = deferred.get(origin);
    if (stop !== undefined) vouched = Math.min(vouched, stop - 1);
    if (vouched > (have[origin] ?? 0)) through[origin] = vouched;
  }
  return { changes, through, refusals: tally.refusals };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function wellFormed(payload: unknown, tally: RefusalTally): CallDataChange[] {
  const { changes, dropped } = changesOf(payload);
  for (const { origin, seq, reason } of dropped)
    tally.add('malformed', `change ${origin ?? '?'}#${seq ?? '?'}: ${reason}`);
  return changes;
}

function stampAccepted(change: CallDataChange, context: TrustContext, tally: RefusalTally): boolean {
  if (change.hlc <= context.stampLimit) return true;
  tally.add(
    'stamp-ahead',
    `change ${change.origin}#${change.seq} is stamped ahead of this node's clock beyond the drift bound`,
  );
  return false;
}
