import { describe, expect, it } from '@jest/globals';
import type { CallDataUpdated } from '../../src/calldata/calldata.js';
import { callData, callDataCluster, setConnect, untilFields, untilSame } from './calldata-mesh.js';

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

    // A merge keeps the fields not named; null removes one — on every node.
    await callData(b!).set('call-1', { ticket: null, agent: 'Ada' });
    for (const node of [a!, b!, c!]) await untilFields(node, 'call-1', { customer: '4711', agent: 'Ada' });
  });

  it('emits calldata.updated for local and for replicated changes', async () => {
    const [a, b] = await cluster.fullMesh(2);
    await callData(a!).set('call-ev', { customer: '1', note: 'x' });
    const remote = await b!.until('the remote event', () => b!.named('calldata.updated')[0]);
    const local = a!.named('calldata.updated')[0];
    expect(local?.payload).toMatchObject({ source: 'local', changedKeys: ['customer', 'note'] });
    const event = remote.payload;
    expect(event.source).toBe('remote');
    expect(event.changedKeys.sort()).toEqual(['customer', 'note']);
    expect(event.callData).toEqual((local?.payload as unknown as CallDataUpdated).callData);
  });

  it('concurrent sets on A and B converge to the same fields on every node', async () => {
    const [a, b, c] = await cluster.fullMesh(3);
    await callData(c!).set('contested', { agent: 'c' });
    const writes = [];
    for (let i = 0; i < 200; i++) {
      writes.push(callData(a!).set('contested', { agent: `a-${i}`, [`a${i % 7}`]: String(i) }));
      writes.push(callData(b!).set('contested', { agent: `b-${i}`, [`b${i % 5}`]: String(i), a3: `b-${i}` }));
    }
    await Promise.all(writes);
    const fields = await untilSame([a!, b!, c!], 'contested');
    // Whatever wins each field, no key written by either node is lost.
    expect(Object.keys(fields).sort()).toEqual(
      ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'agent', 'b0', 'b1', 'b2', 'b3', 'b4'].sort(),
    );
  });

  it('B cut off from A gets A’s changes through C, and cut off from both catches up when back', async () => {
    const [a, b, c] = await cluster.fullMesh(3);
    await setConnect(b!, a!, false);
    for (let i = 0; i < 20; i++) await callData(a!).set(`relay-${i}`, { n: String(i) });
    for (let i = 0; i < 20; i++) await untilFields(b!, `relay-${i}`, { n: String(i) });
    expect(b!.link.isLinked(a!.nodeId)).toBe(false);

    await setConnect(b!, c!, false);
    for (let i = 0; i < 500; i++) await callData(a!).set(`away-${i % 100}`, { [`k${i % 10}`]: String(i) });
    expect(await callData(b!).get('away-0')).toBeNull();

    await setConnect(b!, c!, true);
    for (let i = 0; i < 100; i++)
      await untilFields(b!, `away-${i}`, (await callData(a!).get(`away-${i}`))!.fields);
  });

  it('a restarted node keeps what it acknowledged and catches up on changes of a node it cannot reach', async () => {
    const [a, b, c] = await cluster.fullMesh(3);
    await setConnect(a!, b!, false);
    await callData(b!).set('from-b', { kept: 'yes' });
    await untilFields(a!, 'from-b', { kept: 'yes' });
    const again = await cluster.restart(b!, async () => {
      for (let i = 0; i < 50; i++) await callData(a!).set('while-b-was-down', { [`f${i}`]: String(i) });
      await untilFields(c!, 'while-b-was-down', (await callData(a!).get('while-b-was-down'))!.fields);
    });
    expect((await callData(again).get('from-b'))?.fields).toEqual({ kept: 'yes' });
    await untilFields(again, 'while-b-was-down', (await callData(a!).get('while-b-was-down'))!.fields);
    expect(again.link.isLinked(a!.nodeId)).toBe(false);
  });
});
