import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { meshCluster } from '../helpers/mesh-cluster.js';

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

  it('replaces the stale link when the peer comes back as a new instance', async () => {
    const a = await start();
    const b = await start();
    a.link.connect(b.target);
    await b.until('link at B', () => b.link.isLinked(a.nodeId));
    const first = b.link.linkedNodes()[0];
    // A second start of the same node (same node ID, new instance) dials B again.
    b.link.connect(a.target);
    await a.until('two ups at A', () => a.events.filter((e) => e.name === 'mesh.link.up').length >= 1);
    expect(first?.nodeId).toBe(a.nodeId);
    expect(b.link.linkedNodes()).toHaveLength(1);
  });
});
