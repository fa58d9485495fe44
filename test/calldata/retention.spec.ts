import { describe, expect, it } from '@jest/globals';
import { callData, callDataCluster, loggedChanges, untilFields } from './calldata-mesh.js';

describe('CallData retention', () => {
  // Short enough to watch, long enough for a change to be replicated before it is purged.
  const cluster = callDataCluster({ retentionMs: 3000 });

  it('purges calls unchanged for the retention time on every node, log included, and keeps active ones', async () => {
    const nodes = await cluster.fullMesh(3);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    await callData(a).set('old-call', { customer: '1' });
    for (const node of [b, c]) await untilFields(node, 'old-call', { customer: '1' });

    // Keep one call alive by changing it now and then, while the other ages.
    for (let i = 0; i < 200; i++) {
      await callData(b).set('live-call', { tick: String(i) });
      const gone = await Promise.all(nodes.map(async (n) => (await callData(n).get('old-call')) === null));
      if (gone.every(Boolean)) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    for (const node of nodes) {
      expect(await callData(node).get('old-call')).toBeNull();
      expect(await loggedChanges(node, 'old-call')).toBe(0);
      expect(await callData(node).get('live-call')).not.toBeNull();
    }
  });
});
