import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import type { NodeProcess } from './node-process.js';
import { until } from './until.js';

/** A call as a node's admin API shows it, to an operator or a PBX. */
export interface CallData {
  callLinkageId: string;
  originNodeId: string;
  fields: Record<string, string>;
  updatedAt: string;
}

export type Answer = { status: number; body: unknown };

const PAGE = 1000;

/** A request with the node's own admin token (from its banner), or `token` where one is configured. */
export function call(
  node: NodeProcess,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  return node.api(path, { method, body, token: token ?? node.adminToken });
}

/** `PUT /api/calldata/:id`; answers the status and body whatever they are. */
export function putCallData(
  node: NodeProcess,
  id: string,
  fields: Record<string, string | null>,
): Promise<Answer> {
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

/** `GET /api/calldata/:id`; undefined when the node does not have the call (404). */
export async function getCallData(node: NodeProcess, id: string): Promise<CallData | undefined> {
  const answer = await call(node, 'GET', `/api/calldata/${encodeURIComponent(id)}`);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new Error(`GET ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
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
    // A call changed while paging moves to a later page: the later copy wins.
    for (const callData of list) calls.set(callData.callLinkageId, callData);
    if (list.length < PAGE) return calls;
    const next = list.at(-1)!.updatedAt;
    // The next page repeats calls of the last millisecond; a whole page of one would never end.
    if (next === since) throw new Error(`more than ${PAGE} calls changed in ${next}`);
    since = next;
  }
  throw new Error(`more than ${pages} pages of calls`);
}

export async function nodeList(node: NodeProcess, token?: string): Promise<MeshNodeView[]> {
  const answer = await call(node, 'GET', '/api/mesh/nodes', undefined, token);
  if (answer.status !== 200) throw new Error(`nodes: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as MeshNodeView[];
}

/** Waits until `node` lists the peer (by node ID) as connected; answers that entry. */
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

/** Waits until `node` shows a link to every one of `peers`; answers their entries, in that order. */
export function untilLinked(
  node: NodeProcess,
  peers: NodeProcess[],
  token?: string,
): Promise<MeshNodeView[]> {
  return until(`node ${node.nodeId} linked to ${peers.length}`, async () => {
    const list = await nodeList(node, token);
    const linked = peers.map((peer) =>
      list.find((entry) => entry.nodeId === peer.nodeId && entry.status.state === 'connected'),
    );
    return linked.every((entry) => entry !== undefined) ? linked : undefined;
  });
}
