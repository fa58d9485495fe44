import type { EntityManager } from 'typeorm';
import type { CallDataChange } from '../calldata.js';
import { mergeChanges } from '../field-merge.js';
import { dropEmptyCalls, overwriteFields, readCallLog, readFieldStamps } from './calldata-statements.js';

/** True when two copies of an (origin, seq) carry the same change. */
export function sameChange(a: CallDataChange, b: CallDataChange): boolean {
  return (
    a.callLinkageId === b.callLinkageId && a.hlc === b.hlc && canonical(a.fields) === canonical(b.fields)
  );
}

function canonical(fields: CallDataChange['fields']): string {
  return JSON.stringify(Object.entries(fields).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/**
 * Takes back the field writes of relayed copies that their origin's own copies replaced: every
 * field a forged copy still holds gets the winner among the logged changes of its call (the
 * original now in the log in its place), or goes when no logged change writes it. A call left
 * without fields and log entries goes too. Answers the fields that changed.
 */
export async function takeBackForged(
  db: EntityManager,
  replaced: Array<{ original: CallDataChange; forged: CallDataChange }>,
): Promise<Array<{ callLinkageId: string; name: string }>> {
  if (replaced.length === 0) return [];
  const touched = replaced.flatMap(({ forged }) =>
    Object.keys(forged.fields).map((key) => ({ callLinkageId: forged.callLinkageId, key, forged })),
  );
  const stored = await readFieldStamps(db, touched);
  const held = touched.filter(({ callLinkageId, key, forged }) =>
    stored.some(
      (f) =>
        f.callLinkageId === callLinkageId &&
        f.key === key &&
        f.hlc === forged.hlc &&
        f.nodeId === forged.origin,
    ),
  );
  if (held.length === 0) return [];
  const calls = [...new Set(held.map((h) => h.callLinkageId))];
  const { writes } = mergeChanges(await readCallLog(db, calls));
  const winners = new Map(writes.map((w) => [`${w.callLinkageId}\0${w.key}`, w]));
  const restored = held.flatMap((h) => winners.get(`${h.callLinkageId}\0${h.key}`) ?? []);
  const gone = held.filter((h) => !winners.has(`${h.callLinkageId}\0${h.key}`));
  await overwriteFields(db, restored, gone);
  await dropEmptyCalls(db, calls);
  return held.map((h) => ({ callLinkageId: h.callLinkageId, name: h.key }));
}
