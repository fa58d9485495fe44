import { describe, expect, it } from '@jest/globals';
import { LinkFailure } from '../../src/mesh/link/link-reason.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { licensedFor } from '../helpers/mesh-license.js';
import { freePort } from '../helpers/node-process.js';

const registry = (node: MeshNode) => node.app.get(PeerRegistryService);
const settings = (node: MeshNode) => node.app.get(MeshSettingsService);
const entryFor = (node: MeshNode, nodeId: string) =>
  registry(node)
    .list()
    .find((n) => n.nodeId === nodeId);
/** Longer than any wait below: a link that comes up did not wait for a backoff. */
const NO_REDIAL: Partial<MeshModuleOptions> = { reconnectMinMs: 600_000, reconnectMaxMs: 600_000 };
const UNTIL_MS = 30_000;

/** Waits until every node lists every other one as connected. */
async function untilFullMesh(nodes: MeshNode[]): Promise<void> {
  for (const node of nodes) {
    await node.until(
      `${nodes.length - 1} connected peers listed`,
      () =>
        nodes
          .filter((other) => other !== node)
          .every((other) => entryFor(node, other.nodeId)?.status.state === 'connected') &&
        node.link.linkedNodes().length === nodes.length - 1,
      UNTIL_MS,
    );
  }
}

describe('membership: join by one address, accept unknown nodes, no stale backoff', () => {
  const cluster = meshCluster();
  // Four nodes link to three each: more than the evaluation's two connections.
  const start = async (options: Partial<MeshModuleOptions> = {}) =>
    cluster.start({ port: await freePort(), ...(await licensedFor(8)), ...options });

  it('with the search off, three nodes that each add only the first form a full mesh, learned nodes discovered', async () => {
    const first = await start();
    const others = [await start(), await start(), await start()];
    for (const node of others) await registry(node).addFixed(first.target);

    await untilFullMesh([first, ...others]);
    // Nothing was added on the first: it lists the three as discovered, dialled, with the checkbox.
    expect(
      registry(first)
        .list()
        .map((n) => [n.group, n.connect]),
    ).toEqual([
      ['discovered', true],
      ['discovered', true],
      ['discovered', true],
    ]);
    for (const node of others) {
      const groups = registry(node)
        .list()
        .map((n) => (n.nodeId === first.nodeId ? `first:${n.group}` : n.group));
      expect(groups.sort()).toEqual(['discovered', 'discovered', 'first:fixed']);
    }
  });

  it('with acceptUnknown off the same setup leaves them not-known-remote; switched on, they link at once', async () => {
    const first = await start({ acceptUnknownPeers: false });
    const others = [await start(NO_REDIAL), await start(NO_REDIAL), await start(NO_REDIAL)];
    for (const node of others) await registry(node).addFixed(first.target);
    for (const node of others) await node.untilStatus(first.target, 'error', 'not-known-remote');
    expect(registry(first).list()).toEqual([]);
    expect(first.link.linkedNodes()).toEqual([]);

    // The three wait ten minutes before their next dial: the first dials them back itself.
    await settings(first).update({ acceptUnknown: true });
    await untilFullMesh([first, ...others]);
  });

  it('LinkService.connect links without any configuration at a peer that accepts unknown nodes', async () => {
    const [a, b] = [await start(), await start()];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
    await b.until('A listed at B', () => entryFor(b, a.nodeId)?.group === 'discovered');
  });

  it('no stale backoff: the peer enabling its mesh dials this node back at once', async () => {
    const [a, b] = [await start(NO_REDIAL), await start({ enabled: false })];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'error', 'mesh-disabled-remote');
    // A waits ten minutes before its next dial: B, which refused it, dials it back.
    await settings(b).update({ enabled: true });
    await a.untilStatus(b.target, 'connected');
    expect(entryFor(b, a.nodeId)?.group).toBe('discovered');
  });

  it('no stale backoff: the peer listing this node dials it; a node it still does not know stays refused', async () => {
    const [a, b] = [await start(NO_REDIAL), await start({ acceptUnknownPeers: false })];
    const c = await start(NO_REDIAL);
    a.link.connect(b.target);
    c.link.connect(b.target);
    await a.untilStatus(b.target, 'error', 'not-known-remote');
    await c.untilStatus(b.target, 'error', 'not-known-remote');
    await registry(b).addFixed(a.target);
    await a.untilStatus(b.target, 'connected');
    expect(c.link.status(b.target)?.reason).toBe('not-known-remote');
    expect(b.link.isLinked(c.nodeId)).toBe(false);
  });

  it('a stranger with a wrong password is told password-mismatch and never recalled; an authenticated refused node is', async () => {
    const b = await start({ acceptUnknownPeers: false });
    const [a, stranger] = [await start(NO_REDIAL), await start({ ...NO_REDIAL, password: 'a guess' })];
    stranger.link.connect(b.target);
    a.link.connect(b.target);
    // B refuses only after the dialer's proof: the stranger never learns B's admission rules.
    await stranger.untilStatus(b.target, 'error', 'password-mismatch');
    await a.untilStatus(b.target, 'error', 'not-known-remote');

    // Both wait ten minutes before their next dial: only B's recall of whom it refused links them.
    await settings(b).update({ acceptUnknown: true });
    await a.untilStatus(b.target, 'connected');
    expect(entryFor(b, a.nodeId)?.group).toBe('discovered');
    // The stranger was not remembered, so not listed or dialled.
    expect(entryFor(b, stranger.nodeId)).toBeUndefined();
    expect(registry(b).list()).toHaveLength(1);
  });

  it('no stale backoff after a password change: a node that dialled in with that password is dialled at once', async () => {
    const a = await start();
    const b = await start({ ...NO_REDIAL, password: 'the new password' });
    b.link.connect(a.target);
    await b.untilStatus(a.target, 'error', 'password-mismatch');
    // A lists nothing and B waits ten minutes before its next dial: only A can make the link now.
    expect(registry(a).list()).toEqual([]);

    await settings(a).update({ password: 'the new password' });
    await a.until('B linked', () => a.link.isLinked(b.nodeId));
    await b.untilStatus(a.target, 'connected');
    expect(entryFor(a, b.nodeId)?.group).toBe('discovered');
  });

  it("the host's connect() dials a refused address again at once instead of waiting out its backoff", async () => {
    let refuse = true;
    const [a, b] = [await start(NO_REDIAL), await start()];
    b.link.addAdmissionCheck(() => (refuse ? new LinkFailure('rate-limited', 'not yet') : undefined));
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'error', 'rate-limited');
    refuse = false;
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
  });

  it('a discovered node gone for good leaves the lists with the search off; an unchecked one stays', async () => {
    const fast = { discoveryIntervalMs: 500 };
    const [a, b, c, d] = [await start(fast), await start(fast), await start(fast), await start(fast)];
    for (const node of [b, c, d]) await registry(node).addFixed(a.target);
    await untilFullMesh([a, b, c, d]);
    const dAtB = entryFor(b, d.nodeId);
    await registry(b).setConnect(dAtB!.id, false);
    expect(entryFor(b, d.nodeId)?.status).toMatchObject({ state: 'disabled', reason: 'disabled-local' });
    await b.until('the link B–D closed', () => !b.link.isLinked(d.nodeId));

    await d.close();
    await a.until('D gone from A', () => entryFor(a, d.nodeId) === undefined, UNTIL_MS);
    await c.until('D gone from C', () => entryFor(c, d.nodeId) === undefined, UNTIL_MS);
    // B unchecked it: the administrator's decision stays until removed.
    expect(entryFor(b, d.nodeId)).toMatchObject({ connect: false, status: { reason: 'disabled-local' } });
    // The others are still there and linked.
    expect(entryFor(a, c.nodeId)?.status.state).toBe('connected');
  });

  it('a member list is read item by item: malformed entries and this node itself are never listed', async () => {
    const [a, b] = [await start(), await start()];
    b.link.connect(a.target);
    await b.untilStatus(a.target, 'connected');
    const valid = {
      nodeId: '00000000-0000-4000-8000-000000000001',
      host: '127.0.0.1',
      port: await freePort(),
    };
    await b.link.send(a.nodeId, 'mesh.members', [
      { nodeId: a.nodeId, host: '127.0.0.9', port: 9 },
      { nodeId: '00000000-0000-4000-8000-000000000002', host: '127.0.0.1', port: a.target.port },
      { nodeId: 'bad', host: '127.0.0.1', port: 1 },
      { ...valid, port: 70_000 },
      'nonsense',
      valid,
    ]);
    await a.until('B and the valid member listed', () => entryFor(a, valid.nodeId) && entryFor(a, b.nodeId));
    expect(
      registry(a)
        .list()
        .map((n) => n.nodeId)
        .sort(),
    ).toEqual([b.nodeId, valid.nodeId].sort());
    expect(a.link.isLinked(b.nodeId)).toBe(true);
  });

  it('removing a node closes the link it dialled in, too', async () => {
    const [a, b] = [await start(), await start()];
    b.link.connect(a.target);
    const atA = await a.until('B connected at A', () => {
      const entry = entryFor(a, b.nodeId);
      return entry?.status.state === 'connected' ? entry : undefined;
    });
    const linkUps = a.named('mesh.link.up').length;
    await registry(a).remove(atA.id);
    await a.until('the link closed', () =>
      a.named('mesh.link.down').find((e) => e.payload.nodeId === b.nodeId && e.payload.reason === 'closed'),
    );
    // B still keeps its link wanted and A accepts unknown nodes: B is back, listed anew.
    await a.until('B linked again', () => a.named('mesh.link.up').length > linkUps && entryFor(a, b.nodeId));
  });
});
