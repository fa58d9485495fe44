import { describe, expect, it } from '@jest/globals';
import { ReplicationAudit } from '../../src/calldata/replication/replication-audit.js';
import { callData, callDataCluster, untilFields } from './calldata-mesh.js';

const HOURS_2 = 2 * 3600_000;

/**
 * Case 4 of issue 15, the write part: a node's clock is injected (`CallDataModule.forRoot({clock})`)
 * to run ahead, or to be fixed and restarted. Every acknowledged write is in its own answer or
 * reported as superseded, and no wrong clock freezes a field.
 */
describe('CallData writes under a wrong clock', () => {
  const cluster = callDataCluster();

  it('a node 2 h ahead does not win over the others: its stamps are refused per change, their clocks stay', async () => {
    const a = await cluster.start();
    const skewed = await cluster.start({}, { clock: () => Date.now() + HOURS_2 });
    a.link.connect(skewed.target);
    await a.until('linked', () => a.link.isLinked(skewed.nodeId));
    await callData(a).set('shared', { x: 'old' });
    await callData(skewed).set('shared', { x: 'from the skewed node' });
    await a.until('its change refused', () => a.app.get(ReplicationAudit).count('stamp-ahead') > 0);

    const written = await callData(a).set('shared', { x: 'new', gone: null });
    expect(written.fields).toEqual({ x: 'new' });
    expect(written.superseded).toBeUndefined();
    // Not dragged ahead by the drift cap either.
    expect(Date.parse(written.updatedAt)).toBeLessThan(Date.now() + 5000);
    expect((await callData(a).get('shared'))?.fields).toEqual({ x: 'new' });
  });

  it('a clock fixed after running 2 h ahead: after the restart its new writes win over its old ones', async () => {
    let offset = HOURS_2;
    const a = await cluster.start({}, { clock: () => Date.now() + offset });
    await callData(a).set('fixed-clock', { x: 'written while 2 h ahead' });
    offset = 0;
    const restarted = await cluster.restart(a);
    const written = await callData(restarted).set('fixed-clock', { x: 'written after the fix' });
    expect(written.fields).toEqual({ x: 'written after the fix' });
    expect(written.superseded).toBeUndefined();
    expect(Date.parse(written.updatedAt)).toBeLessThan(Date.now() + 5000);
  });

  it('the clock does not run backwards across a restart: a write after it wins over one before', async () => {
    let offset = 50_000; // ahead, but within the drift bound
    const a = await cluster.start({}, { clock: () => Date.now() + offset });
    const b = await cluster.start();
    a.link.connect(b.target);
    await callData(a).set('monotonic', { x: 'before the restart' });
    await untilFields(b, 'monotonic', { x: 'before the restart' });
    offset = 0;
    const restarted = await cluster.restart(a);
    const written = await callData(restarted).set('monotonic', { x: 'after the restart' });
    expect(written.fields).toEqual({ x: 'after the restart' });
    expect(written.superseded).toBeUndefined();
    await untilFields(b, 'monotonic', { x: 'after the restart' });
  });

  it('a write that a newer one won says so in its answer: which field, by which node', async () => {
    const a = await cluster.start();
    // Two sets of one field in the same tick share a batch: the second is stamped after the first.
    const [first, second] = await Promise.all([
      callData(a).set('concurrent', { x: 'first', y: 'kept' }),
      callData(a).set('concurrent', { x: 'second' }),
    ]);
    expect(second.superseded).toBeUndefined();
    expect(first.fields).toEqual({ x: 'second', y: 'kept' });
    expect(first.superseded).toEqual([{ key: 'x', byNodeId: a.nodeId, updatedAt: second.updatedAt }]);
  });
});
