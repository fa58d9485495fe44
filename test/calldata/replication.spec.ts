import { describe, expect, it } from '@jest/globals';
import { callData, callDataCluster, untilFields } from './calldata-mesh.js';

describe('CallData replication between in-process nodes', () => {
  const cluster = callDataCluster();

  it('a set on A appears on B and C, with A as the origin', async () => {
    const [a, b, c] = await cluster.fullMesh(3);
    const merged = await callData(a!).set('call-1', { customer: '4711', ticket: 'T-1' });
    expect(merged).toMatchObject({
      callLinkageId: 'call-1',
      originNodeId: a!.nodeId,
      fields: { customer: '4711', ticket: 'T-1' },
    });
    for (const node of [b!, c!]) await untilFields(node, 'call-1', { customer: '4711', ticket: 'T-1' });
    expect(await callData(c!).get('call-1')).toEqual(merged);
  });
});
