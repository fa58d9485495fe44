import { describe, expect, it } from '@jest/globals';
import { NodeNotFixedError } from '../../src/mesh/registry/mesh-node.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { freePort } from '../helpers/node-process.js';

const registry = (node: MeshNode) => node.app.get(PeerRegistryService);
const entryFor = (node: MeshNode, nodeId: string) =>
  registry(node)
    .list()
    .find((n) => n.nodeId === nodeId);

describe("a node's TLS requirement in the node list", () => {
  const cluster = meshCluster();
  const start = async () =>
    cluster.start({ port: await freePort(), encryption: 'starttls-optional', acceptUnknownPeers: true });

  it('is for fixed nodes only, keeps a TLS link that meets it, and survives a restart', async () => {
    const [a, b] = [await start(), await start()];
    await registry(a).addFixed(b.target);
    const atB = await b.until('A listed at B', () => entryFor(b, a.nodeId));
    expect(atB).toMatchObject({ group: 'discovered', requireTls: false });

    await expect(registry(b).setRequireTls(atB.id, true)).rejects.toThrow(NodeNotFixedError);
    // Lifting what is not set is no error.
    expect(await registry(b).setRequireTls(atB.id, false)).toMatchObject({ requireTls: false });

    await registry(b).pin(atB.id);
    const required = await registry(b).setRequireTls(atB.id, true);
    expect(required).toMatchObject({ group: 'fixed', requireTls: true });
    // Both run starttls-optional without a CA: TLS, nothing to distrust, so the link stays.
    await b.until('linked over TLS', () => entryFor(b, a.nodeId)?.status.state === 'connected');
    expect(entryFor(b, a.nodeId)?.status).toMatchObject({ transport: 'tls' });

    const again = await cluster.restart(b);
    expect(entryFor(again, a.nodeId)).toMatchObject({ id: atB.id, group: 'fixed', requireTls: true });
    await again.until('linked again', () => entryFor(again, a.nodeId)?.status.state === 'connected');
    expect(entryFor(again, a.nodeId)?.status).toMatchObject({ transport: 'tls', tls: { peerTrusted: true } });
  });
});
