import type { CallDataChange } from './calldata.js';

/**
 * The merge rule of CallData, per field: the write with the greater (stamp, node ID) wins —
 * last writer wins by hybrid logical clock, ties broken by node ID. It is commutative, associative
 * and idempotent, so every node ends with the same fields whatever order changes arrive in.
 * The database applies the same rule (`calldata-writes.sql.ts`); these functions pre-merge a batch
 * and state the rule for the tests.
 */
export interface Stamp {
  hlc: bigint;
  node: string;
}

/** True when `a` wins over `b`. */
export function isNewer(a: Stamp, b: Stamp): boolean {
  return a.hlc !== b.hlc ? a.hlc > b.hlc : a.node > b.node;
}

/** One field's value after a change; `null` is a removal, kept (as a tombstone) so it can win. */
export interface FieldWrite extends Stamp {
  callLinkageId: string;
  key: string;
  value: string | null;
}

/** Per call: the earliest change (whose origin recorded the call first) and the newest stamp. */
export interface CallSpan {
  callLinkageId: string;
  first: Stamp;
  newest: bigint;
}

/** The winning write of every field the changes touch, and the span of every call. */
export function mergeChanges(changes: Iterable<CallDataChange>): { writes: FieldWrite[]; calls: CallSpan[] } {
  const writes = new Map<string, FieldWrite>();
  const calls = new Map<string, CallSpan>();
  for (const change of changes) {
    const stamp = { hlc: change.hlc, node: change.origin };
    const span = calls.get(change.callLinkageId);
    if (!span) {
      calls.set(change.callLinkageId, {
        callLinkageId: change.callLinkageId,
        first: stamp,
        newest: change.hlc,
      });
    } else {
      if (isNewer(span.first, stamp)) span.first = stamp;
      if (change.hlc > span.newest) span.newest = change.hlc;
    }
    for (const [key, value] of Object.entries(change.fields)) {
      // A NUL separator: neither IDs nor names may contain control characters.
      const id = `${change.callLinkageId}\0${key}`;
      const current = writes.get(id);
      if (!current || isNewer(stamp, current)) {
        writes.set(id, { callLinkageId: change.callLinkageId, key, value, ...stamp });
      }
    }
  }
  return { writes: [...writes.values()], calls: [...calls.values()] };
}
