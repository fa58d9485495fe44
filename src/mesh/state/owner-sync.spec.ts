import { describe, expect, it } from '@jest/globals';
import { OwnerSync, type StateOp } from './owner-sync.js';
import { STATE_LIMITS, type StoredValue, vetValue } from './state-limits.js';
import type { OwnedEntry } from './state-store.js';

const v = (value: unknown): StoredValue => {
  const vetted = vetValue(value);
  if (!('stored' in vetted)) throw new Error(vetted.problem);
  return vetted.stored;
};
const entry = (key: string, value: unknown = 'busy'): OwnedEntry => ['presence', key, v(value)];
const snapshot = (instanceId: string, version: number, entries: OwnedEntry[], part = 0, final = true) => ({
  instanceId,
  version,
  part,
  final,
  entries,
});
const set = (key: string): StateOp => ['presence', key, v('busy')];
const keys = (step: ReturnType<OwnerSync['delta']>) =>
  step.kind === 'replace'
    ? step.entries.map((e) => e[1])
    : step.kind === 'apply'
      ? step.ops.map((o) => o?.[1])
      : step.kind;

describe('OwnerSync', () => {
  it('takes a snapshot, then the deltas that follow it, each once', () => {
    const sync = new OwnerSync();
    const first = sync.snapshotPart(snapshot('i1', 3, [entry('alice'), entry('bob')]));
    expect(first).toMatchObject({ kind: 'replace', restarted: false, dropped: 0 });
    expect(keys(first)).toEqual(['alice', 'bob']);
    expect(keys(sync.delta({ instanceId: 'i1', version: 4, ops: [set('carol'), set('dave')] }))).toEqual([
      'carol',
      'dave',
    ]);
    expect(sync.version).toBe(5);
    // Sent before the snapshot that held them (versions up to 5): repeats, partly or wholly.
    expect(sync.delta({ instanceId: 'i1', version: 2, ops: [set('x'), set('y')] })).toEqual({ kind: 'wait' });
    expect(keys(sync.delta({ instanceId: 'i1', version: 5, ops: [set('dave'), set('erin')] }))).toEqual([
      'erin',
    ]);
    expect(sync.version).toBe(6);
  });

  it('assembles a snapshot of several parts in order', () => {
    const sync = new OwnerSync();
    expect(sync.snapshotPart(snapshot('i1', 9, [entry('a')], 0, false))).toEqual({ kind: 'wait' });
    expect(sync.snapshotPart(snapshot('i1', 9, [entry('b')], 1, false))).toEqual({ kind: 'wait' });
    expect(keys(sync.snapshotPart(snapshot('i1', 9, [entry('c'), entry('a', 'away')], 2)))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(sync).toMatchObject({ instanceId: 'i1', version: 9 });
  });

  it('asks for a snapshot after a gap, an unknown instance or a broken snapshot — once until it comes', () => {
    const sync = new OwnerSync();
    expect(sync.delta({ instanceId: 'i1', version: 1, ops: [set('a')] })).toEqual({
      kind: 'resync',
      why: 'a delta of an instance not seen yet',
    });
    expect(sync.delta({ instanceId: 'i1', version: 2, ops: [set('a')] })).toEqual({ kind: 'wait' });
    sync.snapshotPart(snapshot('i1', 2, []));
    expect(sync.delta({ instanceId: 'i1', version: 5, ops: [set('a')] })).toEqual({
      kind: 'resync',
      why: 'versions 3 to 4 missing',
    });
    sync.linkDown(); // a resync asked over a link that is gone is not awaited
    sync.snapshotPart(snapshot('i1', 5, [], 0, false));
    expect(sync.snapshotPart(snapshot('i1', 5, [], 2))).toEqual({
      kind: 'resync',
      why: 'snapshot part 2 out of order',
    });
    sync.snapshotPart(snapshot('i1', 6, [], 0, false));
    expect(sync.delta({ instanceId: 'i1', version: 7, ops: [set('a')] })).toEqual({ kind: 'wait' });
    expect(sync.snapshotPart(snapshot('i1', 6, [], 1))).toEqual({ kind: 'wait' }); // the delta broke it
    expect(keys(sync.snapshotPart(snapshot('i1', 7, [entry('a')])))).toEqual(['a']);
    expect(sync.version).toBe(7);
  });

  it('lets a new instance of the owner replace the old one, and ignores an older snapshot of the same', () => {
    const sync = new OwnerSync();
    sync.snapshotPart(snapshot('i1', 8, [entry('alice')]));
    expect(sync.snapshotPart(snapshot('i1', 7, []))).toEqual({ kind: 'wait' });
    const restarted = sync.snapshotPart(snapshot('i2', 0, []));
    expect(restarted).toMatchObject({ kind: 'replace', restarted: true, entries: [] });
    expect(sync).toMatchObject({ instanceId: 'i2', version: 0 });
    expect(sync.delta({ instanceId: 'i1', version: 9, ops: [set('late')] })).toMatchObject({
      kind: 'resync',
    });
  });

  it('keeps at most the entry limit of one owner, counting the rest as dropped', () => {
    const sync = new OwnerSync();
    const many = Array.from({ length: STATE_LIMITS.maxEntriesPerNode }, (_, i) => entry(`u${i}`));
    sync.snapshotPart(snapshot('i1', 1, many, 0, false));
    const step = sync.snapshotPart(
      snapshot('i1', 1, [entry('u0', 'away'), entry('extra1'), entry('extra2')], 1),
    );
    expect(step).toMatchObject({ kind: 'replace', dropped: 2 });
    expect(step.kind === 'replace' && step.entries.length).toBe(STATE_LIMITS.maxEntriesPerNode);
  });
});
