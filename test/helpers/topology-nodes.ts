import type { MeshTopology, TopologyLink } from '../../src/mesh/topology/mesh-topology.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import { freePort, NodeProcess, tempDataDir } from './node-process.js';
import { until } from './until.js';

/**
 * Three standalone nodes on loopback, each listing the other two (no LAN search), linked as a mesh;
 * `envs[i]` adds to the environment of node i.
 */
export async function startThree(
  meshId: string,
  running: NodeProcess[],
  envs: Array<Record<string, string>> = [],
): Promise<NodeProcess[]> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const nodes = await Promise.all(
    ports.map(async (port, i) => {
      const node = await NodeProcess.start({
        MESH_HOST: '127.0.0.1',
        MESH_DISCOVERY: 'false',
        MESH_ID: meshId,
        MESH_PASSWORD: `${meshId}-password`,
        DATA_DIR: await tempDataDir(),
        MESH_PORT: String(port),
        MESH_PEERS: ports
          .filter((other) => other !== port)
          .map((other) => `127.0.0.1:${other}`)
          .join(','),
        ...envs[i],
      });
      running.push(node);
      return node;
    }),
  );
  return nodes;
}

/** `GET /api/mesh/topology` of a node. */
export async function topologyOf(node: NodeProcess): Promise<MeshTopology> {
  const answer = await node.api('/api/mesh/topology', { token: node.adminToken });
  if (answer.status !== 200) throw new Error(`topology: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as MeshTopology;
}

/** Waits until the node's topology satisfies `wanted`; fails with the last one seen. */
export async function untilTopology(
  node: NodeProcess,
  what: string,
  wanted: (topology: MeshTopology) => boolean,
): Promise<MeshTopology> {
  let last: MeshTopology | undefined;
  try {
    return await until(what, async () => {
      last = await topologyOf(node);
      return wanted(last) ? last : undefined;
    });
  } catch (error: unknown) {
    throw new Error(`${String(error)}; last topology: ${JSON.stringify(last, null, 1)}`, { cause: error });
  }
}

/** The link between two nodes in a topology, whichever is `a`. */
export function linkOf(topology: MeshTopology, x: NodeProcess, y: NodeProcess): TopologyLink | undefined {
  return topology.links.find(
    (link) => (link.a === x.nodeId && link.b === y.nodeId) || (link.a === y.nodeId && link.b === x.nodeId),
  );
}

/** Unchecks (or checks) `peer` in `node`'s node list through `node`'s admin API, as an operator does. */
export async function setConnect(node: NodeProcess, peer: NodeProcess, connect: boolean): Promise<void> {
  const entry = await until(`${peer.nodeId} listed`, async () => {
    const list = (await node.api('/api/mesh/nodes', { token: node.adminToken })).body as MeshNodeView[];
    return list.find((n) => n.nodeId === peer.nodeId);
  });
  const answer = await node.api(`/api/mesh/nodes/${entry.id}`, {
    method: 'PATCH',
    body: { connect },
    token: node.adminToken,
  });
  if (answer.status !== 200) throw new Error(`PATCH: ${answer.status} ${JSON.stringify(answer.body)}`);
}
