import type { EntityManager } from 'typeorm';
import type { CallData, CallDataChange } from '../calldata.js';
import { wallTimeOf } from '../clock/hybrid-clock.js';
import type { CallSpan, FieldWrite } from '../field-merge.js';

// Bulk statements over `unnest` arrays: one round trip per table and batch, whatever its size.
// Stamps travel as decimal strings: the driver has no bigint parameters.

/**
 * Adds changes to the log; answers the ones that were new (a change arrives once or more).
 * `relayed`: the keys of changes that came from a node other than their origin.
 */
export async function insertChanges(
  db: EntityManager,
  changes: CallDataChange[],
  relayed: ReadonlySet<string> = new Set(),
): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const rows = await db.query<Array<{ origin_node_id: string; seq: string }>>(
    `INSERT INTO calldata_change (origin_node_id, seq, call_linkage_id, hlc, fields, relayed)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::varchar[], $4::bigint[], $5::jsonb[], $6::boolean[])
     ON CONFLICT DO NOTHING
     RETURNING origin_node_id, seq`,
    [
      changes.map((c) => c.origin),
      changes.map((c) => c.seq),
      changes.map((c) => c.callLinkageId),
      changes.map((c) => c.hlc.toString()),
      changes.map((c) => JSON.stringify(c.fields)),
      changes.map((c) => relayed.has(changeKey(c.origin, c.seq))),
    ],
  );
  return new Set(rows.map((r) => changeKey(r.origin_node_id, Number(r.seq))));
}

/** A change as the log holds it, with whether it still waits for its origin's confirmation. */
export interface LoggedChange extends CallDataChange {
  relayed: boolean;
}

/** The logged changes under these (origin, seq) keys. */
export async function readLogged(db: EntityManager, changes: CallDataChange[]): Promise<LoggedChange[]> {
  if (changes.length === 0) return [];
  const rows = await db.query<ChangeRow[]>(
    `SELECT ch.origin_node_id, ch.seq, ch.call_linkage_id, ch.hlc, ch.fields, ch.relayed
     FROM calldata_change ch
     JOIN unnest($1::uuid[], $2::bigint[]) AS k(origin, seq) ON ch.origin_node_id = k.origin AND ch.seq = k.seq`,
    [changes.map((c) => c.origin), changes.map((c) => c.seq)],
  );
  return rows.map(loggedOf);
}

/** Every logged change of these calls. */
export async function readCallLog(db: EntityManager, callLinkageIds: string[]): Promise<LoggedChange[]> {
  if (callLinkageIds.length === 0) return [];
  const rows = await db.query<ChangeRow[]>(
    `SELECT origin_node_id, seq, call_linkage_id, hlc, fields, relayed FROM calldata_change
     WHERE call_linkage_id = ANY($1::varchar[])`,
    [callLinkageIds],
  );
  return rows.map(loggedOf);
}

/** Puts the origin's own copy of a change in place of a relayed one. */
export async function replaceLogged(db: EntityManager, change: CallDataChange): Promise<void> {
  await db.query(
    `UPDATE calldata_change SET call_linkage_id = $3, hlc = $4, fields = $5::jsonb, relayed = false
     WHERE origin_node_id = $1 AND seq = $2`,
    [change.origin, change.seq, change.callLinkageId, change.hlc.toString(), JSON.stringify(change.fields)],
  );
}

/** Marks relayed changes as confirmed by their origin. */
export async function confirmLogged(db: EntityManager, changes: CallDataChange[]): Promise<void> {
  if (changes.length === 0) return;
  await db.query(
    `UPDATE calldata_change ch SET relayed = false
     FROM unnest($1::uuid[], $2::bigint[]) AS k(origin, seq)
     WHERE ch.origin_node_id = k.origin AND ch.seq = k.seq AND ch.relayed`,
    [changes.map((c) => c.origin), changes.map((c) => c.seq)],
  );
}

interface ChangeRow {
  origin_node_id: string;
  seq: string;
  call_linkage_id: string;
  hlc: string;
  fields: CallDataChange['fields'];
  relayed: boolean;
}

function loggedOf(r: ChangeRow): LoggedChange {
  return {
    origin: r.origin_node_id,
    seq: Number(r.seq),
    callLinkageId: r.call_linkage_id,
    hlc: BigInt(r.hlc),
    fields: r.fields,
    relayed: r.relayed,
  };
}

/** The stored stamp and writer of these fields (those that exist). */
export async function readFieldStamps(
  db: EntityManager,
  fields: Array<{ callLinkageId: string; key: string }>,
): Promise<Array<{ callLinkageId: string; key: string; hlc: bigint; nodeId: string }>> {
  if (fields.length === 0) return [];
  const rows = await db.query<Array<{ call_linkage_id: string; name: string; hlc: string; node_id: string }>>(
    `SELECT f.call_linkage_id, f.name, f.hlc, f.node_id FROM calldata_field f
     JOIN unnest($1::varchar[], $2::varchar[]) AS k(call, name) ON f.call_linkage_id = k.call AND f.name = k.name`,
    [fields.map((f) => f.callLinkageId), fields.map((f) => f.key)],
  );
  return rows.map((r) => ({
    callLinkageId: r.call_linkage_id,
    key: r.name,
    hlc: BigInt(r.hlc),
    nodeId: r.node_id,
  }));
}

/**
 * Sets fields to the given winners whatever they hold now (a forged change's writes are taken
 * back), and removes the rows of `gone` — fields no logged change writes any more.
 */
export async function overwriteFields(
  db: EntityManager,
  writes: FieldWrite[],
  gone: Array<{ callLinkageId: string; key: string }>,
): Promise<void> {
  if (writes.length > 0)
    await db.query(
      `INSERT INTO calldata_field (call_linkage_id, name, value, hlc, node_id)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::bigint[], $5::uuid[])
       ON CONFLICT (call_linkage_id, name) DO UPDATE SET
         value = excluded.value, hlc = excluded.hlc, node_id = excluded.node_id`,
      [
        writes.map((w) => w.callLinkageId),
        writes.map((w) => w.key),
        writes.map((w) => w.value),
        writes.map((w) => w.hlc.toString()),
        writes.map((w) => w.node),
      ],
    );
  if (gone.length > 0)
    await db.query(
      `DELETE FROM calldata_field f USING unnest($1::varchar[], $2::varchar[]) AS k(call, name)
       WHERE f.call_linkage_id = k.call AND f.name = k.name`,
      [gone.map((g) => g.callLinkageId), gone.map((g) => g.key)],
    );
}

/** Removes calls of these IDs that no field and no logged change is left of. */
export async function dropEmptyCalls(db: EntityManager, callLinkageIds: string[]): Promise<void> {
  if (callLinkageIds.length === 0) return;
  await db.query(
    `DELETE FROM calldata_call c WHERE c.call_linkage_id = ANY($1::varchar[])
       AND NOT EXISTS (SELECT 1 FROM calldata_field f WHERE f.call_linkage_id = c.call_linkage_id)
       AND NOT EXISTS (SELECT 1 FROM calldata_change ch WHERE ch.call_linkage_id = c.call_linkage_id)`,
    [callLinkageIds],
  );
}

/** The newest stamp stored: where the hybrid clock continues after a restart. */
export async function readHighWater(db: EntityManager): Promise<bigint> {
  const rows = await db.query<Array<{ hlc: string | null }>>(
    `SELECT GREATEST((SELECT max(updated_hlc) FROM calldata_call), (SELECT max(hlc) FROM calldata_change)) AS hlc`,
  );
  return BigInt(rows[0]?.hlc ?? 0);
}

export function changeKey(origin: string, seq: number): string {
  return `${origin}/${seq}`;
}

/** Creates the calls or widens their span; the earliest change's node stays the origin. */
export async function upsertCalls(db: EntityManager, calls: CallSpan[]): Promise<void> {
  if (calls.length === 0) return;
  await db.query(
    `INSERT INTO calldata_call (call_linkage_id, origin_node_id, first_hlc, updated_hlc)
     SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::bigint[], $4::bigint[])
     ON CONFLICT (call_linkage_id) DO UPDATE SET
       origin_node_id = CASE
         WHEN (excluded.first_hlc, excluded.origin_node_id) < (calldata_call.first_hlc, calldata_call.origin_node_id)
         THEN excluded.origin_node_id ELSE calldata_call.origin_node_id END,
       first_hlc = LEAST(calldata_call.first_hlc, excluded.first_hlc),
       updated_hlc = GREATEST(calldata_call.updated_hlc, excluded.updated_hlc)`,
    [
      calls.map((c) => c.callLinkageId),
      calls.map((c) => c.first.node),
      calls.map((c) => c.first.hlc.toString()),
      calls.map((c) => c.newest.toString()),
    ],
  );
}

/**
 * Writes fields where the write wins by (stamp, node) — the rule of field-merge.ts — and answers
 * the fields that changed.
 */
export async function mergeFields(
  db: EntityManager,
  writes: FieldWrite[],
): Promise<Array<{ callLinkageId: string; name: string }>> {
  if (writes.length === 0) return [];
  const rows = await db.query<Array<{ call_linkage_id: string; name: string }>>(
    `INSERT INTO calldata_field (call_linkage_id, name, value, hlc, node_id)
     SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::bigint[], $5::uuid[])
     ON CONFLICT (call_linkage_id, name) DO UPDATE SET
       value = excluded.value, hlc = excluded.hlc, node_id = excluded.node_id
     WHERE (excluded.hlc, excluded.node_id) > (calldata_field.hlc, calldata_field.node_id)
     RETURNING call_linkage_id, name`,
    [
      writes.map((w) => w.callLinkageId),
      writes.map((w) => w.key),
      writes.map((w) => w.value),
      writes.map((w) => w.hlc.toString()),
      writes.map((w) => w.node),
    ],
  );
  return rows.map((r) => ({ callLinkageId: r.call_linkage_id, name: r.name }));
}

/** Stores how far this node has each origin's log, and how far its origin confirmed it. */
export async function saveProgress(
  db: EntityManager,
  origins: Array<{ origin: string; applied: number; highest: number; confirmed: number }>,
): Promise<void> {
  if (origins.length === 0) return;
  await db.query(
    `INSERT INTO calldata_origin (origin_node_id, applied_seq, max_seq, confirmed_seq)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[])
     ON CONFLICT (origin_node_id) DO UPDATE SET applied_seq = excluded.applied_seq,
       max_seq = excluded.max_seq, confirmed_seq = excluded.confirmed_seq`,
    [
      origins.map((o) => o.origin),
      origins.map((o) => o.applied),
      origins.map((o) => o.highest),
      origins.map((o) => o.confirmed),
    ],
  );
}

// Each call's fields gathered by a correlated subquery: its plan is an index scan on the primary
// key whether or not PostgreSQL has statistics yet. A join was planned as a full scan of
// calldata_field on a new node's tables, so every batch slowed with the data stored.
const CALL_COLUMNS = `c.call_linkage_id, c.origin_node_id, c.updated_hlc,
  (SELECT jsonb_object_agg(f.name, f.value) FROM calldata_field f
   WHERE f.call_linkage_id = c.call_linkage_id AND f.value IS NOT NULL) AS fields`;

/** The calls as the contract shows them: removed fields left out. */
export async function readCalls(db: EntityManager, callLinkageIds: string[]): Promise<Map<string, CallData>> {
  const rows = await db.query<CallRow[]>(
    `SELECT ${CALL_COLUMNS} FROM calldata_call c WHERE c.call_linkage_id = ANY($1::varchar[])`,
    [callLinkageIds],
  );
  return new Map(rows.map((row) => [row.call_linkage_id, callDataOf(row)]));
}

/** Calls updated at or after `since`, oldest first. */
export async function readCallsSince(db: EntityManager, since: bigint, limit: number): Promise<CallData[]> {
  const rows = await db.query<CallRow[]>(
    `SELECT ${CALL_COLUMNS} FROM calldata_call c
     WHERE c.updated_hlc >= $1 ORDER BY c.updated_hlc, c.call_linkage_id LIMIT $2`,
    [since.toString(), limit],
  );
  return rows.map(callDataOf);
}

interface CallRow {
  call_linkage_id: string;
  origin_node_id: string;
  updated_hlc: string;
  fields: Record<string, string> | null;
}

function callDataOf(row: CallRow): CallData {
  return {
    callLinkageId: row.call_linkage_id,
    originNodeId: row.origin_node_id,
    fields: row.fields ?? {},
    updatedAt: wallTimeOf(BigInt(row.updated_hlc)).toISOString(),
  };
}

/** Up to `limit` changes of `origin` after `afterSeq`, in order. */
export async function readChanges(
  db: EntityManager,
  origin: string,
  afterSeq: number,
  limit: number,
): Promise<CallDataChange[]> {
  const rows = await db.query<
    Array<{ seq: string; call_linkage_id: string; hlc: string; fields: CallDataChange['fields'] }>
  >(
    `SELECT seq, call_linkage_id, hlc, fields FROM calldata_change
     WHERE origin_node_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [origin, afterSeq, limit],
  );
  return rows.map((r) => ({
    origin,
    seq: Number(r.seq),
    callLinkageId: r.call_linkage_id,
    hlc: BigInt(r.hlc),
    fields: r.fields,
  }));
}

/**
 * Removes up to `limit` calls last changed before `before`, with their fields, and log entries
 * older than that whose call is gone; answers how many calls went.
 */
export async function purgeBefore(db: EntityManager, before: bigint, limit: number): Promise<number> {
  const calls = await db.query<Array<{ n: number }>>(
    `WITH gone AS (
       DELETE FROM calldata_call WHERE call_linkage_id IN (
         SELECT call_linkage_id FROM calldata_call WHERE updated_hlc < $1 LIMIT $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before.toString(), limit],
  );
  await db.query(
    `DELETE FROM calldata_change WHERE ctid IN (
       SELECT ch.ctid FROM calldata_change ch
       WHERE ch.hlc < $1
         AND NOT EXISTS (SELECT 1 FROM calldata_call c WHERE c.call_linkage_id = ch.call_linkage_id)
       LIMIT $2)`,
    [before.toString(), limit * 16],
  );
  return calls[0]?.n ?? 0;
}

/** Progress rows, and the changes held above a gap, to rebuild ReplicationProgress at start. */
export async function readProgress(
  db: EntityManager,
): Promise<Array<{ origin: string; applied: number; above: number[]; confirmed: number }>> {
  const rows = await db.query<
    Array<{ origin_node_id: string; applied_seq: string; above: string[]; confirmed_seq: string }>
  >(
    `SELECT o.origin_node_id, o.applied_seq, o.confirmed_seq,
       COALESCE(array_agg(ch.seq ORDER BY ch.seq) FILTER (WHERE ch.seq IS NOT NULL), '{}') AS above
     FROM calldata_origin o
     LEFT JOIN calldata_change ch ON ch.origin_node_id = o.origin_node_id AND ch.seq > o.applied_seq
       AND o.max_seq > o.applied_seq
     GROUP BY o.origin_node_id, o.applied_seq, o.confirmed_seq`,
  );
  return rows.map((r) => ({
    origin: r.origin_node_id,
    applied: Number(r.applied_seq),
    above: r.above.map(Number),
    confirmed: Number(r.confirmed_seq),
  }));
}
