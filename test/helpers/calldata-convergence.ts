import { type CallData, allCalls, getCallData } from './node-api.js';
import type { NodeProcess } from './node-process.js';
import { until } from './until.js';

/** A call as text, fields in name order: nodes may list a call's fields in any order. */
export function canonical(callData: CallData): string {
  const fields = Object.entries(callData.fields).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify({ ...callData, fields });
}

/** Calls as text, in ID order: nodes may list them in any order. */
function listing(calls: Map<string, CallData>): string {
  return [...calls.values()]
    .sort((x, y) => (x.callLinkageId < y.callLinkageId ? -1 : x.callLinkageId > y.callLinkageId ? 1 : 0))
    .map(canonical)
    .join('\n');
}

/**
 * Waits until every node lists exactly the same calls (fields, origin, time) and `ready` takes
 * them; answers them.
 */
export function untilSame(
  all: NodeProcess[],
  ready: (calls: Map<string, CallData>) => boolean = () => true,
  limitMs?: number,
): Promise<Map<string, CallData>> {
  let differences = '';
  return until(
    `the same calls on ${all.length} nodes`,
    async () => {
      const seen = await Promise.all(all.map((node) => allCalls(node)));
      const [first] = seen;
      if (!first) return undefined;
      differences = describeDifferences(seen);
      if (!ready(first)) return undefined;
      return seen.every((calls) => listing(calls) === listing(first)) ? first : undefined;
    },
    limitMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen: ${differences}`, { cause: error });
  });
}

/** The calls not alike on every node, each with what each node holds, for a failure message. */
function describeDifferences(seen: Array<Map<string, CallData>>): string {
  const ids = new Set(seen.flatMap((calls) => [...calls.keys()]));
  const differing = [...ids].filter(
    (id) => new Set(seen.map((calls) => JSON.stringify(calls.get(id)?.fields ?? null))).size > 1,
  );
  return differing.length === 0
    ? 'every node alike'
    : differing
        .slice(0, 10)
        .map(
          (id) => `${id}: ${seen.map((calls) => JSON.stringify(calls.get(id)?.fields ?? null)).join(' | ')}`,
        )
        .join('; ');
}

/** Waits until `id` is the same (fields, origin, time) on every node and `accept` takes it; answers it. */
export function untilConverged(
  all: NodeProcess[],
  id: string,
  accept: (callData: CallData) => boolean = () => true,
): Promise<CallData> {
  return until(`${id} the same on ${all.length} nodes`, async () => {
    const seen = await Promise.all(all.map((node) => getCallData(node, id)));
    const [first] = seen;
    if (!first || !accept(first)) return undefined;
    return seen.every((other) => other && canonical(other) === canonical(first)) ? first : undefined;
  });
}

/** Waits until every node has `id` with exactly `fields` (whatever its origin and time). */
export function untilReplicated(
  nodes: NodeProcess[],
  id: string,
  fields: Record<string, string>,
): Promise<CallData[]> {
  const expected = JSON.stringify(Object.entries(fields).sort());
  return until(`${id} on ${nodes.length} nodes`, async () => {
    const seen = await Promise.all(nodes.map((node) => getCallData(node, id)));
    const same = seen.every((cd) => cd && JSON.stringify(Object.entries(cd.fields).sort()) === expected);
    return same ? (seen as CallData[]) : undefined;
  });
}

/** True when `calls` hold every acknowledged field value of `expected`. */
export function holdsAll(
  calls: Map<string, CallData>,
  expected: Map<string, Record<string, string>>,
): boolean {
  return [...expected].every(([id, fields]) =>
    Object.entries(fields).every(([key, value]) => calls.get(id)?.fields[key] === value),
  );
}

/** The fields acknowledged per call, from `[id, fields]` pairs in the order they were acknowledged. */
export function expectedCalls(
  writes: Iterable<readonly [string, Record<string, string>]>,
): Map<string, Record<string, string>> {
  const expected = new Map<string, Record<string, string>>();
  for (const [id, fields] of writes) expected.set(id, { ...expected.get(id), ...fields });
  return expected;
}
