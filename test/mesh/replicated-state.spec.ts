import { describe, expect, it } from '@jest/globals';
import { SocketSet } from '../../src/mesh/link/socket-set.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { MeshStateService } from '../../src/mesh/state/mesh-state.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

const state = (node: MeshNode) => node.app.get(MeshStateService);

/** A node's view of a map as `nodeId key=value` lines, sorted. */
const view = (node: MeshNode, map = 'presence') =>
  state(node)
    .entries(map)
    .map((e) => `${e.nodeId} ${e.key}=${JSON.stringify(e.value)}`);

/** Waits until every node's view of the map is `expected` (lines as `view` writes them). */
async function untilViews(nodes: MeshNode[], expected: string[], map = 'presence'): Promise<void> {
  const want = [...expected].sort();
  for (const node of nodes) {
    await node
      .until(`the view of ${node.nodeId}`, () => JSON.stringify(view(node, map)) === JSON.stringify(want))
      .catch(() => {
        throw new Error(
          `${node.nodeId} sees ${JSON.stringify(view(node, map))}, not ${JSON.stringify(want)}`,
        );
      });
  }
}

const line = (owner: MeshNode, key: string, value: unknown) =>
  `${owner.nodeId} ${key}=${JSON.stringify(value)}`;

/** Changes of one owner's entry a node was told of (the mesh's own link tables aside). */
const changesOf = (node: MeshNode, owner: MeshNode, key?: string) =>
  node
    .named('mesh.state.changed')
    .map((e) => e.payload)
    .filter(
      (c) => c.map !== 'mesh.links' && c.nodeId === owner.nodeId && (key === undefined || c.key === key),
    );

/** Unchecks (or checks) `peer` in `node`'s list, as an operator would: their link closes. */
async function setConnect(node: MeshNode, peer: MeshNode, connect: boolean): Promise<void> {
  const registry = node.app.get(PeerRegistryService);
  const entry = await node.until(`${peer.nodeId} listed`, () =>
    registry.list().find((n) => n.nodeId === peer.nodeId),
  );
  await registry.setConnect(entry.id, connect);
}

describe('node-owned replicated state (MeshStateService)', () => {
  const cluster = meshCluster();

  /** Nodes linked each to each; `before` runs on each node before any link. */
  async function fullMesh(
    count: number,
    options: Partial<MeshModuleOptions>,
    before?: (node: MeshNode, i: number) => void,
  ): Promise<MeshNode[]> {
    const nodes: MeshNode[] = [];
    for (let i = 0; i < count; i++) nodes.push(await cluster.start(options));
    nodes.forEach((node, i) => before?.(node, i));
    for (const [i, node] of nodes.entries())
      for (const peer of nodes.slice(i + 1)) node.link.connect(peer.target);
    for (const node of nodes)
      await node.until('a full mesh', () => node.link.linkedNodes().length === count - 1);
    return nodes;
  }

  it('shows every node’s entries on every node, with an event naming the owner', async () => {
    // A's 3000 entries exist before the links: its snapshot takes several messages.
    const [a, b, c] = await fullMesh(3, {}, (node, i) => {
      if (i === 0) for (let u = 0; u < 3000; u++) state(node).set('lines', `line-${u}`, { state: 'idle', u });
    });
    state(a!).set('presence', 'alice', 'busy');
    state(b!).set('presence', 'bob', { status: 'away', note: 'lunch' });
    state(b!).set('presence', 'alice', 'available'); // another node's entry of the same key
    state(c!).set('presence', 'carol', 'busy');
    state(c!).set('presence', 'dave', 'busy');
    state(c!).delete('presence', 'dave');
    const expected = [
      line(a!, 'alice', 'busy'),
      line(b!, 'alice', 'available'),
      line(b!, 'bob', { status: 'away', note: 'lunch' }),
      line(c!, 'carol', 'busy'),
    ];
    await untilViews([a!, b!, c!], expected);
    await c!.until('3000 lines of A', () => state(c!).entries('lines', a!.nodeId).length === 3000);
    expect(state(b!).entries('lines')).toHaveLength(3000);
    expect(state(b!).get('lines', 'line-2999')).toEqual([
      { map: 'lines', key: 'line-2999', nodeId: a!.nodeId, value: { state: 'idle', u: 2999 } },
    ]);
    expect(
      state(c!)
        .get('presence', 'alice')
        .map((e) => [e.nodeId, e.value]),
    ).toEqual(
      [
        [a!.nodeId, 'busy'],
        [b!.nodeId, 'available'],
      ].sort(),
    );
    expect(changesOf(a!, b!, 'bob')).toEqual([
      {
        map: 'presence',
        key: 'bob',
        nodeId: b!.nodeId,
        value: { status: 'away', note: 'lunch' },
        previous: undefined,
        reason: 'set',
      },
    ]);
    // C's own delete came too late or in time for A: either A never saw dave, or saw him go.
    expect(changesOf(a!, c!, 'dave').map((e) => e.reason)).not.toContain('node-left');
    expect(changesOf(a!, c!, 'dave').length % 2).toBe(0);
    expect(() => state(a!).set('presence', '', 'x')).toThrow('key must be a string of 1 to 256 characters');
    expect(() => state(a!).set('presence', 'erin', { at: new Date() })).toThrow(/plain objects only/);
  });

  it('drops a closed node’s entries on the others after the grace; started again, it publishes anew', async () => {
    const [a, b, c] = await fullMesh(3, { stateGraceMs: 1000 });
    state(a!).set('presence', 'alice', 'busy');
    state(c!).set('presence', 'carol', 'busy');
    state(c!).set('presence', 'chris', 'away');
    await untilViews(
      [a!, b!, c!],
      [line(a!, 'alice', 'busy'), line(c!, 'carol', 'busy'), line(c!, 'chris', 'away')],
    );

    const again = await cluster.restart(c!, {}, async () => {
      await untilViews([a!, b!], [line(a!, 'alice', 'busy')]);
      for (const node of [a!, b!])
        expect(
          changesOf(node, c!)
            .filter((e) => e.value === undefined)
            .map((e) => [e.key, e.reason]),
        ).toEqual([
          ['carol', 'node-left'],
          ['chris', 'node-left'],
        ]);
    });
    state(again).set('presence', 'carol', 'available');
    await untilViews([a!, b!, again], [line(a!, 'alice', 'busy'), line(again, 'carol', 'available')]);
  });

  it('lets a restarted instance replace its old entries within the grace', async () => {
    const [a, b, c] = await fullMesh(3, { stateGraceMs: 120_000 });
    state(c!).set('presence', 'carol', 'busy');
    state(c!).set('presence', 'chris', 'away');
    await untilViews([a!, b!], [line(c!, 'carol', 'busy'), line(c!, 'chris', 'away')]);

    const again = await cluster.restart(c!);
    state(again).set('presence', 'carol', 'available');
    await untilViews([a!, b!, again], [line(again, 'carol', 'available')]);
    for (const node of [a!, b!]) {
      expect(changesOf(node, c!, 'chris').map((e) => e.reason)).toEqual(['set', 'node-restarted']);
      expect(changesOf(node, c!).map((e) => e.reason)).not.toContain('node-left');
    }
  });

  it('converges after a node was cut off on purpose and let back in', async () => {
    const [a, b, c] = await fullMesh(3, { stateGraceMs: 120_000 });
    state(a!).set('presence', 'alice', 'busy');
    state(b!).set('presence', 'bob', 'busy');
    await untilViews([a!, b!, c!], [line(a!, 'alice', 'busy'), line(b!, 'bob', 'busy')]);

    // B unchecks both: a node that left on purpose goes at once, whatever the grace.
    await setConnect(b!, a!, false);
    await setConnect(b!, c!, false);
    await untilViews([a!, c!], [line(a!, 'alice', 'busy')]);
    await untilViews([b!], [line(b!, 'bob', 'busy')]);
    // Both sides go on while apart.
    state(b!).set('presence', 'bob', 'away');
    state(b!).set('presence', 'bert', 'busy');
    state(a!).delete('presence', 'alice');
    state(c!).set('presence', 'carol', 'busy');
    await untilViews([a!, c!], [line(c!, 'carol', 'busy')]);
    expect(view(b!)).toEqual([line(b!, 'bert', 'busy'), line(b!, 'bob', 'away')].sort());

    await setConnect(b!, a!, true);
    await setConnect(b!, c!, true);
    await untilViews(
      [a!, b!, c!],
      [line(b!, 'bob', 'away'), line(b!, 'bert', 'busy'), line(c!, 'carol', 'busy')],
    );
  });

  it('drops the entries of a node whose mesh is switched off at once, both ways, and takes them back when on', async () => {
    const [a, b, c] = await fullMesh(3, { stateGraceMs: 120_000 });
    state(a!).set('presence', 'alice', 'busy');
    state(c!).set('presence', 'carol', 'busy');
    await untilViews([a!, b!, c!], [line(a!, 'alice', 'busy'), line(c!, 'carol', 'busy')]);

    await c!.app.get(MeshSettingsService).update({ enabled: false });
    await untilViews([a!, b!], [line(a!, 'alice', 'busy')]);
    await untilViews([c!], [line(c!, 'carol', 'busy')]); // its own entries stay, the others' go
    state(c!).set('presence', 'carol', 'away'); // kept while off, sent once on

    await c!.app.get(MeshSettingsService).update({ enabled: true });
    await untilViews([a!, b!, c!], [line(a!, 'alice', 'busy'), line(c!, 'carol', 'away')]);
    expect(changesOf(a!, c!, 'carol').map((e) => [e.value, e.reason])).toEqual([
      ['busy', 'set'],
      [undefined, 'node-left'],
      ['away', 'set'],
    ]);
  });

  it('keeps a node’s entries through a link cut that heals within the grace, and takes what changed meanwhile', async () => {
    const [a, b, c] = await fullMesh(3, { stateGraceMs: 120_000 });
    state(b!).set('presence', 'bob', 'busy');
    state(b!).set('presence', 'bert', 'busy');
    await untilViews([a!, c!], [line(b!, 'bert', 'busy'), line(b!, 'bob', 'busy')]);

    const downs = (node: MeshNode) => node.named('mesh.link.down').length;
    const before = [downs(a!), downs(c!)];
    b!.app.get(SocketSet).destroyAll(); // every link of B is lost, as by a cable cut
    state(b!).set('presence', 'bob', 'away');
    state(b!).delete('presence', 'bert');
    await a!.until('the links lost', () => downs(a!) > before[0]! && downs(c!) > before[1]!);
    await untilViews([a!, b!, c!], [line(b!, 'bob', 'away')]);
    for (const node of [a!, c!]) {
      await node.until('B linked again', () => node.link.isLinked(b!.nodeId));
      expect(changesOf(node, b!).map((e) => e.reason)).not.toContain('node-left');
    }
  });

  it('refuses entries a peer claims for another node or for the receiver, and drops its bad items', async () => {
    const [a, b, h] = await fullMesh(3, {});
    state(b!).set('presence', 'bob', 'busy');
    state(a!).set('presence', 'alice', 'busy');
    await untilViews([a!, b!, h!], [line(a!, 'alice', 'busy'), line(b!, 'bob', 'busy')]);

    const instanceId = h!.link.instanceId;
    const hostile = [
      // B's entries, from H: a forged delta and an empty snapshot that would erase them.
      {
        topic: 'mesh.state.delta',
        payload: { nodeId: b!.nodeId, instanceId, version: 1, ops: [['presence', 'bob', 'offline']] },
      },
      {
        topic: 'mesh.state.snapshot',
        payload: { nodeId: b!.nodeId, instanceId, version: 9, part: 0, final: true, entries: [] },
      },
      // A's own entries, from H.
      {
        topic: 'mesh.state.snapshot',
        payload: {
          nodeId: a!.nodeId,
          instanceId,
          version: 9,
          part: 0,
          final: true,
          entries: [['presence', 'mallory', 'x']],
        },
      },
      // Garbage envelopes.
      { topic: 'mesh.state.delta', payload: 'nonsense' },
      {
        topic: 'mesh.state.snapshot',
        payload: { nodeId: h!.nodeId, instanceId, version: -1, part: 0, final: true, entries: [] },
      },
      // H's own, but bad items around a good one, with a gap in its versions: A asks H for its state.
      {
        topic: 'mesh.state.delta',
        payload: {
          nodeId: h!.nodeId,
          instanceId,
          version: 100,
          ops: [
            ['presence', 'x'.repeat(300), 'v'],
            ['presence', 'big', 'x'.repeat(5000)],
            ['presence', 'henry', 'here'],
          ],
        },
      },
    ];
    for (const { topic, payload } of hostile) await h!.link.send(a!.nodeId, topic, payload);

    // H's real state (empty) wins over what the gap skipped; its later own writes arrive.
    state(h!).set('presence', 'hugo', 'busy');
    const expected = [line(a!, 'alice', 'busy'), line(b!, 'bob', 'busy'), line(h!, 'hugo', 'busy')];
    await untilViews([a!, b!, h!], expected);
    expect(changesOf(a!, b!).map((e) => e.value)).toEqual(['busy']);
    expect(changesOf(a!, a!).map((e) => e.key)).toEqual(['alice']);
    expect(changesOf(a!, h!).map((e) => e.key)).toEqual(['hugo']);
    expect(a!.link.isLinked(h!.nodeId)).toBe(true);
  });
});
