import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

const UNTIL_LIMIT_MS = 45_000;

export interface CallData {
  callLinkageId: string;
  originNodeId: string;
  fields: Record<string, string>;
  updatedAt: string;
}

/** Real node processes of one spec, stopped together at the end. */
export class NodeSet {
  private readonly running = new Set<NodeProcess>();

  async start(env: Record<string, string>): Promise<NodeProcess> {
    const node = await NodeProcess.start({ MESH_HOST: '127.0.0.1', DATA_DIR: await tempDataDir(), ...env });
    this.running.add(node);
    return node;
  }

  /**
   * `count` nodes, each with every other one in MESH_PEERS, all with `env` (and `envOf(i)`), linked
   * to each other before this resolves.
   */
  async startMesh(
    count: number,
    env: Record<string, string>,
    envOf: (index: number) => Record<string, string> = () => ({}),
  ): Promise<NodeProcess[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    const nodes = await Promise.all(
      ports.map((port, i) =>
        this.start({
          ...env,
          MESH_PORT: String(port),
          MESH_PEERS: ports
            .filter((other) => other !== port)
            .map((other) => `127.0.0.1:${other}`)
            .join(','),
          ...envOf(i),
        }),
      ),
    );
    await Promise.all(
      nodes.map((node) =>
        untilLinked(
          node,
          nodes.filter((other) => other !== node),
        ),
      ),
    );
    return nodes;
  }

  /** Stops every node (SIGTERM) and answers their exits. */
  async stopAll(): Promise<Array<{ node: NodeProcess; code: number | null }>> {
    const nodes = [...this.running];
    this.running.clear();
    return Promise.all(
      nodes.map(async (node) => ({
        node,
        code: await node.stop().then(
          (exit) => exit.code,
          () => null,
        ),
      })),
    );
  }
}

/** A request with the node's own admin token (from the banner, or `token` when configured). */
export function call(node: NodeProcess, method: string, path: string, body?: unknown, token?: string) {
  return node.api(path, { method, body, token: token ?? node.adminToken });
}

export async function putCallData(
  node: NodeProcess,
  id: string,
  fields: Record<string, string | null>,
  token?: string,
): Promise<CallData> {
  const answer = await call(node, 'PUT', `/api/calldata/${encodeURIComponent(id)}`, { fields }, token);
  if (answer.status !== 200) throw new Error(`PUT ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CallData;
}

export async function getCallData(
  node: NodeProcess,
  id: string,
  token?: string,
): Promise<CallData | undefined> {
  const answer = await call(node, 'GET', `/api/calldata/${encodeURIComponent(id)}`, undefined, token);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new Error(`GET ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CallData;
}

export async function nodeList(node: NodeProcess, token?: string): Promise<MeshNodeView[]> {
  const answer = await call(node, 'GET', '/api/mesh/nodes', undefined, token);
  if (answer.status !== 200) throw new Error(`nodes: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as MeshNodeView[];
}

/** Polls `probe` until it returns something, bounded. */
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

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Waits until `node` shows a link to every one of `peers`; answers their entries. */
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

/** Waits until every node has `id` with exactly `fields`. */
export function untilReplicated(
  nodes: NodeProcess[],
  id: string,
  fields: Record<string, string>,
  token?: string,
): Promise<CallData[]> {
  const expected = JSON.stringify(Object.entries(fields).sort());
  return until(`${id} on ${nodes.length} nodes`, async () => {
    const seen = await Promise.all(nodes.map((node) => getCallData(node, id, token)));
    const same = seen.every((cd) => cd && JSON.stringify(Object.entries(cd.fields).sort()) === expected);
    return same ? (seen as CallData[]) : undefined;
  });
}
