import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { connectRawPeer } from '../helpers/raw-peer.js';

describe('exactly one link per pair of nodes', () => {
  const cluster = meshCluster();
  const start = () => cluster.start();

  it.each([1, 2, 3, 4, 5])(
    'keeps the link dialled by the smaller node ID when both dial at once (round %i)',
    async () => {
      const [a, b] = [await start(), await start()];
      a.link.connect(b.target);
      b.link.connect(a.target);
      await a.untilStatus(b.target, 'connected');
      await b.untilStatus(a.target, 'connected');
      const [atA] = a.link.linkedNodes();
      const [atB] = b.link.linkedNodes();
      expect(a.link.linkedNodes()).toHaveLength(1);
      expect(b.link.linkedNodes()).toHaveLength(1);
      // Both sides agree on which link survived: the one the smaller node ID dialled.
      const aDialled = a.nodeId < b.nodeId;
      expect(atA?.direction).toBe(aDialled ? 'outbound' : 'inbound');
      expect(atB?.direction).toBe(aDialled ? 'inbound' : 'outbound');
      expect(a.link.status(b.target)?.direction).toBe(atA?.direction);

      // No flapping: well past the longest reconnect delay the same link is still the only one.
      await sleep(2500);
      expect(a.link.linkedNodes()).toEqual([atA]);
      expect(b.link.linkedNodes()).toEqual([atB]);
      expect(a.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
      expect(b.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
      await expect(a.link.send(b.nodeId, 'any', 1)).resolves.toBeUndefined();
    },
  );

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
