import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { connectRawPeer } from '../helpers/raw-peer.js';
import { EchoHandler } from '../helpers/mesh-traffic.js';

describe('exactly one link per pair of nodes', () => {
  const cluster = meshCluster();

  // Which link survives is a pure rule, tested case by case in src/mesh/link/link-table.spec.ts.
  // Here, over real sockets: two nodes dialling each other settle on one link both agree on.
  it('two nodes that dial each other settle on one link, the same on both sides', async () => {
    const [a, b] = [await cluster.start({}, [EchoHandler]), await cluster.start({}, [EchoHandler])];
    a.link.connect(b.target);
    b.link.connect(a.target);
    await a.untilStatus(b.target, 'connected');
    await b.untilStatus(a.target, 'connected');
    // Each side may first take its own dial; the loser is closed once the other link arrives.
    const directions = () =>
      [a, b].map((node) =>
        node.link
          .linkedNodes()
          .map((l) => l.direction)
          .join(),
      );
    await a.until(
      'both sides keep the same link',
      () => directions().sort().join(' ') === 'inbound outbound',
    );
    const [atA] = a.link.linkedNodes();
    const [atB] = b.link.linkedNodes();
    expect(a.link.linkedNodes()).toHaveLength(1);
    expect(b.link.linkedNodes()).toHaveLength(1);
    // One link: outbound on the side that dialled it, inbound on the other.
    expect([atA?.direction, atB?.direction].sort()).toEqual(['inbound', 'outbound']);
    expect(a.link.status(b.target)?.direction).toBe(atA?.direction);
    expect(b.link.status(a.target)?.direction).toBe(atB?.direction);

    // No flapping: traffic both ways goes over that same link, and no link went down meanwhile.
    for (let i = 0; i < 20; i++) {
      await expect(a.link.request(b.nodeId, 'test.echo', i)).resolves.toEqual({ payload: i, from: a.nodeId });
      await expect(b.link.request(a.nodeId, 'test.echo', i)).resolves.toEqual({ payload: i, from: b.nodeId });
    }
    expect(a.link.linkedNodes()).toEqual([atA]);
    expect(b.link.linkedNodes()).toEqual([atB]);
    expect(a.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
    expect(b.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
  });

  it('replaces the stale link when the peer comes back as a new instance, and refuses a second link of the same one', async () => {
    // Hand-driven peers send no heartbeats; only the choice of link is under test here.
    const node = await cluster.start({ livenessTimeoutMs: 120_000 });
    const sockets: Socket[] = [];
    // Reads and discards what the node sends, so its closing of a connection is seen.
    const dial = async (identity: { nodeId: string; instanceId: string }) => {
      const peer = await connectRawPeer(node.target, undefined, identity);
      sockets.push(peer.socket);
      peer.socket.resume();
      const closed = new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error('the node kept the connection open')), 10_000);
        peer.socket.once('close', () => (clearTimeout(timer), done()));
      });
      closed.catch(() => undefined); // awaited, or not, by the test
      return { address: `127.0.0.1:${peer.socket.localPort}`, closed };
    };
    try {
      const nodeId = randomUUID();
      const before = await dial({ nodeId, instanceId: randomUUID() });
      await node.until('the first link', () => node.link.isLinked(nodeId));

      // The peer restarted (new instance ID) while its old connection still looks alive: it is stale.
      const restartedInstance = randomUUID();
      const after = await dial({ nodeId, instanceId: restartedInstance });
      await before.closed;
      expect(node.link.linkedNodes()).toEqual([
        expect.objectContaining({ nodeId, remoteAddress: after.address }),
      ]);

      // The same instance dialling a second time gets no second link: the first one stays.
      const twin = await dial({ nodeId, instanceId: restartedInstance });
      await twin.closed;
      expect(node.link.linkedNodes()).toEqual([
        expect.objectContaining({ nodeId, remoteAddress: after.address }),
      ]);
      expect(node.named('mesh.link.down')).toEqual([]);
    } finally {
      sockets.forEach((socket) => socket.destroy());
    }
  });
});
