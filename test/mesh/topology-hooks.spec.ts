import { describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import type { TopologyLinkView } from '../../src/mesh/topology/mesh-topology.js';
import { MeshTopologyService } from '../../src/mesh/topology/mesh-topology.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { licensedFor } from '../helpers/mesh-license.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { freePort } from '../helpers/node-process.js';

const registry = (node: MeshNode) => node.app.get(PeerRegistryService);
const UNTIL_MS = 30_000;

/** What `by` reports, in `at`'s topology, of its link to `to`. */
function reported(at: MeshNode, by: MeshNode, to: MeshNode): Pick<TopologyLinkView, 'state'> | undefined {
  const link = at.app
    .get(MeshTopologyService)
    .topology()
    .links.find((l) => [l.a, l.b].sort().join() === [by.nodeId, to.nodeId].sort().join());
  if (!link?.reportedBy.includes(by.nodeId)) return undefined;
  return link.views?.find((view) => view.by === by.nodeId) ?? link;
}

describe("topology: follows the mesh's own hooks", () => {
  const cluster = meshCluster();
  const start = async () => cluster.start({ port: await freePort(), ...(await licensedFor(8)) });

  it("an unchecked node reaches the peers' topology although the host removed every listener of its emitter", async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    for (const node of [b, c]) await registry(node).addFixed(a.target);
    await b.until('A reports A–C connected at B', () => reported(b, a, c)?.state === 'connected', UNTIL_MS);

    // The host's event bus is the host's: what it does with its listeners cannot stall the mesh.
    a.app.get(EventEmitter2).removeAllListeners();
    // A refresh asked for before that (the join's churn) must not be what tells the change below.
    const topologyAtA: object = a.app.get(MeshTopologyService);
    await a.until('no topology refresh pending at A', () => Reflect.get(topologyAtA, 'timer') === undefined);
    const atA = registry(a)
      .list()
      .find((n) => n.nodeId === c.nodeId);
    await registry(a).setConnect(atA!.id, false);

    // Only A's refresh (hooked to its node list and links) can tell B of A's new table.
    await b.until('A reports A–C disabled at B', () => reported(b, a, c)?.state === 'disabled', UNTIL_MS);
    expect(reported(b, c, a)?.state).not.toBe('connected');
  });
});
