import { describe, expect, it } from '@jest/globals';
import { MeshRemoteError } from '../../src/mesh/link/link.errors.js';
import { callData, callDataCluster, untilFields } from './calldata-mesh.js';

const ORIGIN = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

/** A peer is authenticated, but its CallData is still checked: bad changes are dropped, nothing else. */
describe('malformed CallData from a peer', () => {
  const cluster = callDataCluster();

  it('is dropped with a warning; the link and replication go on', async () => {
    const [a, b] = await cluster.fullMesh(2);
    const bad: unknown[] = [
      null,
      'changes',
      { changes: 'nope' },
      { changes: [[ORIGIN, 1, 'call', '5']] },
      { changes: [['not-a-uuid', 1, 'call', '5', { k: 'v' }]] },
      { changes: [[ORIGIN, 0, 'call', '5', { k: 'v' }]] },
      { changes: [[ORIGIN, 1.5, 'call', '5', { k: 'v' }]] },
      { changes: [[ORIGIN, 1, 'call', '-5', { k: 'v' }]] },
      { changes: [[ORIGIN, 1, 'call', '99999999999999999999', { k: 'v' }]] },
      { changes: [[ORIGIN, 1, '', '5', { k: 'v' }]] },
      { changes: [[ORIGIN, 1, 'call\n', '5', { k: 'v' }]] },
      { changes: [[ORIGIN, 1, 'call', '5', { k: 'x'.repeat(4097) }]] },
      { changes: [[ORIGIN, 1, 'call', '5', { k: 7 }]] },
      { changes: [[ORIGIN, 1, 'call', '5', {}]] },
      { changes: [[ORIGIN, 1, 'call', '5', ['v']]] },
    ];
    for (const payload of bad) await a!.link.send(b!.nodeId, 'calldata.changes', payload);
    await expect(a!.link.request(b!.nodeId, 'calldata.pull', { have: 'all' })).rejects.toThrow(
      MeshRemoteError,
    );
    await expect(a!.link.request(b!.nodeId, 'calldata.pull', { have: { [ORIGIN]: -1 } })).rejects.toThrow(
      MeshRemoteError,
    );

    await callData(a!).set('after-garbage', { ok: 'yes' });
    await untilFields(b!, 'after-garbage', { ok: 'yes' });
    expect(await callData(b!).get('call')).toBeNull();
    expect(b!.link.isLinked(a!.nodeId)).toBe(true);
  });

  it('refuses bad input to set with the part at fault, and stores nothing', async () => {
    const a = await cluster.start();
    const service = callData(a);
    await expect(service.set('', { k: 'v' })).rejects.toThrow('callLinkageId must be 1 to 128 characters');
    await expect(service.set('c', {})).rejects.toThrow('fields must have 1 to 64 entries');
    await expect(service.set('c', { k: 'x'.repeat(4097) })).rejects.toThrow('fields.k must be a string');
    await expect(service.set('c', { ['k'.repeat(129)]: 'v' })).rejects.toThrow('must be 1 to 128 characters');
    expect(await service.get('c')).toBeNull();
  });
});
