import type { EntityManager } from 'typeorm';
import { MAX_SEQ } from '../replication/wire-changes.js';

/**
 * Repairs at start what earlier versions let a faulty or hostile peer write (issue 15):
 * - stamps beyond `stampLimit` (this node's clock plus the drift bound) in fields, calls and the
 *   log are brought back to `now`, so a far-future stamp no longer freezes a field;
 * - progress beyond MAX_SEQ: this node's own is set back to its highest logged change, and its own
 *   changes numbered beyond MAX_SEQ (never taken by a peer) are numbered on from there; another
 *   origin's starts again from its logged changes, so it is pulled again (duplicates are skipped).
 * Answers what it repaired, for the log; nothing when the state is sound.
 */
export async function repairPoisonedState(
  db: EntityManager,
  nodeId: string,
  stampLimit: bigint,
  now: bigint,
): Promise<string[]> {
  // One look through the indexes first: a sound state (every start) costs this query only. A
  // field's stamp is never above its call's, and a change held beyond MAX_SEQ raised max_seq.
  const [check] = await db.query<Array<{ poisoned: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM calldata_call WHERE updated_hlc > $1)
         OR EXISTS (SELECT 1 FROM calldata_change WHERE hlc > $1)
         OR EXISTS (SELECT 1 FROM calldata_origin WHERE GREATEST(applied_seq, max_seq, confirmed_seq) > $2)
       AS poisoned`,
    [stampLimit.toString(), MAX_SEQ],
  );
  if (check?.poisoned !== true) return [];
  const repaired: string[] = [];
  const count = async (what: string, sql: string, parameters: unknown[]) => {
    const [, affected] = await db.query<[unknown, number]>(sql, parameters);
    if (affected > 0) repaired.push(`${affected} ${what}`);
  };
  const stamps = [stampLimit.toString(), now.toString()];
  await count(
    'field stamps ahead of the clock',
    `UPDATE calldata_field f SET hlc = $2 FROM calldata_call c
     WHERE c.call_linkage_id = f.call_linkage_id AND c.updated_hlc > $1 AND f.hlc > $1`,
    stamps,
  );
  await count('log stamps ahead of the clock', 'UPDATE calldata_change SET hlc = $2 WHERE hlc > $1', stamps);
  await count(
    'call stamps ahead of the clock',
    `UPDATE calldata_call SET updated_hlc = LEAST(updated_hlc, $2), first_hlc = LEAST(first_hlc, $2)
     WHERE updated_hlc > $1`,
    stamps,
  );
  await count(
    'own changes numbered beyond the sequence range',
    `WITH base AS (
       SELECT COALESCE(max(seq), 0) AS top FROM calldata_change WHERE origin_node_id = $1 AND seq <= $2),
     bad AS (
       SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM calldata_change
       WHERE origin_node_id = $1 AND seq > $2)
     UPDATE calldata_change ch SET seq = base.top + bad.n, relayed = false FROM base, bad
     WHERE ch.origin_node_id = $1 AND ch.seq = bad.seq`,
    [nodeId, MAX_SEQ],
  );
  await count(
    "progress of this node's own log beyond the sequence range",
    `UPDATE calldata_origin SET
       applied_seq = (SELECT COALESCE(max(seq), 0) FROM calldata_change WHERE origin_node_id = $1),
       max_seq = (SELECT COALESCE(max(seq), 0) FROM calldata_change WHERE origin_node_id = $1),
       confirmed_seq = 0
     WHERE origin_node_id = $1 AND GREATEST(applied_seq, max_seq, confirmed_seq) > $2`,
    [nodeId, MAX_SEQ],
  );
  await count(
    'changes of other origins numbered beyond the sequence range',
    'DELETE FROM calldata_change WHERE origin_node_id <> $1 AND seq > $2',
    [nodeId, MAX_SEQ],
  );
  await count(
    "other origins' progress beyond the sequence range",
    `UPDATE calldata_origin o SET applied_seq = 0, confirmed_seq = 0,
       max_seq = (SELECT COALESCE(max(seq), 0) FROM calldata_change ch WHERE ch.origin_node_id = o.origin_node_id)
     WHERE origin_node_id <> $1 AND GREATEST(applied_seq, max_seq, confirmed_seq) > $2`,
    [nodeId, MAX_SEQ],
  );
  return repaired;
}
