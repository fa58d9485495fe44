import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import type { NodeProcess } from '../helpers/node-process.js';

/** What the fault tests read and write through a node's admin API, as an operator or a PBX does. */
export interface CallData {
  callLinkageId: string;
  originNodeId: string;
  fields: Record<string, string>;
  updatedAt: string;
}

export const UNTIL_LIMIT_MS = 45_000;
const PAGE = 1000;

export function call(
  node: NodeProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return node.api(path, { method, body, token: node.adminToken });
}

/** `PUT /api/calldata/:id`; answers the status and body whatever they are. */
export function putCallData(
  node: NodeProcess,
  id: string,
  fields: Record<string, string | null>,
): Promise<{ status: number; body: unknown }> {
  return call(node, 'PUT', `/api/calldata/${encodeURIComponent(id)}`, { fields });
}

/** A PUT that must be acknowledged (200): the write the node vouches for. */
export async function putAcked(
  node: NodeProcess,
  id: string,
  fields: Record<string, string | null>,
): Promise<CallData> {
  const answer = await putCallData(node, id, fields);
  if (answer.status !== 200) throw new Error(`PUT ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CallData;
}

/** Every call on the node, by ID, paging through the list by `updatedAt` (bounded by `pages`). */
export async function allCalls(node: NodeProcess, pages = 20): Promise<Map<string, CallData>> {
  const calls = new Map<string, CallData>();
  let since: string | undefined;
  for (let page = 0; page < pages; page++) {
    const query = since === undefined ? '' : `since=${encodeURIComponent(since)}&`;
    const answer = await call(node, 'GET', `/api/calldata?${query}limit=${PAGE}`);
    if (answer.status !== 200) throw new Error(`list: ${answer.status} ${JSON.stringify(answer.body)}`);
    const list = answer.body as CallData[];
    for (const callData of list) calls.set(callData.callLinkageId, callData);
    if (list.length < PAGE) return calls;
    const next = list.at(-1)!.updatedAt;
    if (next === since) throw new Error(`more than ${PAGE} calls changed in ${next}`);
    since = next;
  }
  throw new Error(`more than ${pages} pages of calls`);
}

export async function nodeList(node: NodeProcess): Promise<MeshNodeView[]> {
  const answer = await call(node, 'GET', '/api/mesh/nodes');
  if (answer.status !== 200) throw new Error(`nodes: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as MeshNodeView[];
}

/** Polls `probe` until it returns something; fails after `limitMs` with the last error. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  limitMs = UNTIL_LIMIT_MS,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    const value = await probe().catch((error: unknown) => ((last = error), undefined));
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms (${String(last)})`);
    await sleep(100);
  }
}

/** Waits until `node` lists `peer` (by node ID) as connected; answers that entry. */
export function untilConnected(
  node: NodeProcess,
  peerNodeId: string,
  limitMs?: number,
): Promise<MeshNodeView> {
  return until(
    `${node.nodeId} connected to ${peerNodeId}`,
    async () => (await nodeList(node)).find((e) => e.nodeId === peerNodeId && e.status.state === 'connected'),
    limitMs,
  );
}

/**
 * Waits until every node lists exactly the same calls (fields, origin, time) and `ready` takes
 * them; answers them.
 */
export function untilSame(
  all: NodeProcess[],
  ready: (calls: Map<string, CallData>) => boolean,
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

/** Calls as text, in ID order, fields in name order: nodes may list them in any order. */
function listing(calls: Map<string, CallData>): string {
  return [...calls.values()]
    .sort((x, y) => (x.callLinkageId < y.callLinkageId ? -1 : x.callLinkageId > y.callLinkageId ? 1 : 0))
    .map((cd) =>
      JSON.stringify({ ...cd, fields: Object.entries(cd.fields).sort(([x], [y]) => x.localeCompare(y)) }),
    )
    .join('\n');
}
