import { describe, expect, it } from '@jest/globals';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { freePort } from '../helpers/node-process.js';

const registry = (node: MeshNode) => node.app.get(PeerRegistryService);
const settings = (node: MeshNode) => node.app.get(MeshSettingsService);
const entryFor = (node: MeshNode, nodeId: string) =>
  registry(node)
    .list()
    .find((n) => n.nodeId === nodeId);

describe('the node list: groups, checkbox, pin, merge, persistence', () => {
  const cluster = meshCluster();
  /** A node with a fixed port, so that it can be restarted where its peers expect it. */
  const start = async (options = {}) => cluster.start({ port: await freePort(), ...options });

  it('lists an unknown node that linked in as discovered; pinning makes it fixed, also after a restart', async () => {
    const [a, b] = [await start(), await start()];
    await registry(a).addFixed(b.target);
    const atB = await b.until('A listed at B', () => entryFor(b, a.nodeId));
    expect(atB).toMatchObject({ group: 'discovered', connect: true, host: '127.0.0.1', port: a.target.port });
    expect(b.named('mesh.node.discovered').map((e) => e.payload.nodeId)).toEqual([a.nodeId]);

    const pinned = await registry(b).pin(atB.id);
    expect(pinned).toMatchObject({ id: atB.id, group: 'fixed' });
    const again = await cluster.restart(b);
    expect(entryFor(again, a.nodeId)).toMatchObject({ id: atB.id, group: 'fixed', connect: true });
    await again.until('linked again', () => entryFor(again, a.nodeId)?.status.state === 'connected');
  });

  it('unchecking closes the link on both sides, refuses the node, and survives a restart', async () => {
    const [a, b] = [await start(), await start()];
    await registry(a).addFixed(b.target);
    const atB = await b.until('A connected at B', () => {
      const entry = entryFor(b, a.nodeId);
      return entry?.status.state === 'connected' ? entry : undefined;
    });

    const unchecked = await registry(b).setConnect(atB.id, false);
    expect(unchecked.status.state).toBe('disabled');
    await a.untilStatus(b.target, 'error', 'disabled-remote');
    expect(b.link.isLinked(a.nodeId)).toBe(false);

    const again = await cluster.restart(b);
    expect(entryFor(again, a.nodeId)).toMatchObject({ group: 'discovered', connect: false });
    // A keeps redialling; the restarted B refuses it again, from its stored checkbox.
    await again.until('a refusal after the restart', () => again.inboundErrors('disabled-remote')[0]);
    // A's redials while B was down failed otherwise (unreachable); the refusal reaches A's status next.
    await a.untilStatus(b.target, 'error', 'disabled-remote');
    expect(again.link.isLinked(a.nodeId)).toBe(false);
  });

  it('refuses nodes it does not know while the search is off (not-known-remote)', async () => {
    const strict = await start({ acceptUnknownPeers: false, discovery: false });
    const stranger = await start();
    stranger.link.connect(strict.target);
    await stranger.untilStatus(strict.target, 'error', 'not-known-remote');
    expect(registry(strict).list()).toEqual([]);
  });

  it('merges two entries that turn out to be the same node under two addresses', async () => {
    const [a, b] = [await start(), await start()];
    const byIp = await registry(a).addFixed(b.target);
    const byName = await registry(a).addFixed({ host: 'localhost', port: b.target.port });
    await a.until('one entry left', () => registry(a).list().length === 1);
    expect(registry(a).list()).toEqual([
      expect.objectContaining({ id: byIp.id, nodeId: b.nodeId, group: 'fixed' }),
    ]);
    expect(a.named('mesh.node.removed').map((e) => e.payload.id)).toContain(byName.id);
    expect(a.link.linkedNodes().map((n) => n.nodeId)).toEqual([b.nodeId]);
  });

  it('a new password without grace drops links that no longer authenticate; the stored settings win after a restart', async () => {
    const [a, b] = [await start(), await start()];
    await registry(a).addFixed(b.target);
    await a.untilStatus(b.target, 'connected');

    await settings(a).update({ password: 'a-new-password', passwordGraceMs: 0 });
    await a.untilStatus(b.target, 'error', 'password-mismatch');
    await settings(b).update({ password: 'a-new-password' });
    await a.untilStatus(b.target, 'connected');

    // The environment still says test-password; the administrator's change is what counts.
    const again = await cluster.restart(a);
    expect(settings(again).current.meshId).toBe('test-mesh');
    await again.untilStatus(b.target, 'connected');
  });

  it('switching the mesh off closes every link and tells the peers; switching it on links again', async () => {
    const [a, b] = [await start(), await start()];
    await registry(a).addFixed(b.target);
    await a.untilStatus(b.target, 'connected');

    await settings(a).update({ enabled: false });
    expect(a.named('mesh.deactivated').map((e) => e.payload)).toEqual([{ reason: 'disabled' }]);
    await a.untilStatus(b.target, 'disabled');
    await b.until(
      'B sees the mesh off at A',
      () => entryFor(b, a.nodeId)?.status.reason === 'mesh-disabled-remote',
    );

    await settings(a).update({ enabled: true });
    expect(a.named('mesh.activated')).toHaveLength(1);
    await a.untilStatus(b.target, 'connected');
  });
});
