import { checkCallLinkageId, checkFieldChanges } from '../calldata-limits.js';
import type { CallDataChange } from '../calldata.js';
import { errorMessage } from '../../common/describe-error.js';

/**
 * CallData messages between nodes. A change travels as a tuple — `[origin, seq, callLinkageId,
 * hlc, fields]`, the stamp as decimal digits — compact in MessagePack and cheap to check.
 *
 * - `calldata.changes` (message): `{changes}`, an origin's own new changes, live.
 * - `calldata.pull` (request): `{have: {origin: seq}}` → `{changes, through: {origin: seq}, more}`:
 *   what the asker lacks, a page at a time; `through` says up to where the answer is complete.
 */
export const CALLDATA_TOPICS = { changes: 'calldata.changes', pull: 'calldata.pull' } as const;

export type WireChange = [string, number, string, string, CallDataChange['fields']];

export interface PullRequest {
  have: Record<string, number>;
}

export interface PullAnswer {
  changes: WireChange[];
  through: Record<string, number>;
  more: boolean;
}

/** A peer sent CallData that is not well-formed; it is dropped and logged. */
export class CallDataWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallDataWireError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STAMP = /^\d{1,19}$/;

/**
 * The highest sequence number a node accepts or vouches for: 2^52, well inside JavaScript's safe
 * integers (a node numbering 100 000 changes a second reaches it in 1400 years), so a value at or
 * near 2^53 can only come from a fault and is refused.
 */
export const MAX_SEQ = 2 ** 52;
/** The highest stamp PostgreSQL's `bigint` holds. */
export const MAX_STAMP = 2n ** 63n - 1n;

export function toWire(change: CallDataChange): WireChange {
  return [change.origin, change.seq, change.callLinkageId, change.hlc.toString(), change.fields];
}

/** @throws CallDataWireError */
export function fromWire(value: unknown): CallDataChange {
  if (!Array.isArray(value) || value.length !== 5) throw new CallDataWireError('a change must be a 5-tuple');
  const [origin, seq, callLinkageId, hlc, fields] = value as unknown[];
  if (typeof origin !== 'string' || !UUID.test(origin)) throw new CallDataWireError('bad origin node ID');
  if (!isSeq(seq) || seq < 1) throw new CallDataWireError('bad sequence number');
  if (typeof hlc !== 'string' || !STAMP.test(hlc) || BigInt(hlc) > MAX_STAMP)
    throw new CallDataWireError('bad stamp');
  try {
    checkCallLinkageId(callLinkageId);
    checkFieldChanges(fields);
  } catch (error: unknown) {
    throw new CallDataWireError(errorMessage(error));
  }
  return { origin, seq, callLinkageId, hlc: BigInt(hlc), fields };
}

/** A change of a batch that was dropped, with what could be read of it. */
export interface DroppedChange {
  origin?: string;
  seq?: number;
  reason: string;
}

/**
 * The well-formed changes of a batch; each bad one is dropped on its own, so it cannot take its
 * valid neighbours with it.
 * @throws CallDataWireError when the batch itself is not an array.
 */
export function changesOf(payload: unknown): { changes: CallDataChange[]; dropped: DroppedChange[] } {
  const changes = (payload as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes)) throw new CallDataWireError('changes must be an array');
  const valid: CallDataChange[] = [];
  const dropped: DroppedChange[] = [];
  for (const value of changes as unknown[]) {
    try {
      valid.push(fromWire(value));
    } catch (error: unknown) {
      const [origin, seq] = Array.isArray(value) ? (value as unknown[]) : [];
      dropped.push({
        origin: typeof origin === 'string' && UUID.test(origin) ? origin : undefined,
        seq: isSeq(seq) ? seq : undefined,
        reason: errorMessage(error),
      });
    }
  }
  return { changes: valid, dropped };
}

/** @throws CallDataWireError */
export function versionVector(value: unknown, what: string): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CallDataWireError(`${what} must be an object`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  // More origins than nodes a mesh can hold is no honest vector.
  if (entries.length > 4096) throw new CallDataWireError(`${what} has too many origins`);
  for (const [origin, seq] of entries) {
    if (!UUID.test(origin) || !isSeq(seq)) throw new CallDataWireError(`${what} has a bad entry`);
  }
  return value as Record<string, number>;
}

function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_SEQ;
}

/** Bytes a change takes on the wire at most (UTF-16 units × 3), to keep frames under the limit. */
export function wireSizeOf(change: CallDataChange): number {
  let size = 64 + change.callLinkageId.length * 3;
  for (const [key, value] of Object.entries(change.fields))
    size += 8 + (key.length + (value?.length ?? 0)) * 3;
  return size;
}
