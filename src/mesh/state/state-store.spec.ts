import { describe, expect, it } from '@jest/globals';
import { type StoredValue, vetValue } from './state-limits.js';
import { StateStore } from './state-store.js';

const A = 'node-a';
const B = 'node-b';
const v = (value: unknown): StoredValue => {
  const vetted = vetValue(value);
  if (!('stored' in vetted)) throw new Error(vetted.problem);
  return vetted.stored;
};

describe('StateStore', () => {
  it('keeps each owner’s entries apart and answers them by node ID', () => {
    const store = new StateStore();
    expect(store.set(B, 'presence', 'alice', v('busy'))).toEqual({
      map: 'presence',
      key: 'alice',
      nodeId: B,
      value: 'busy',
      previous: undefined,
      reason: 'set',
    });
    store.set(A, 'presence', 'alice', v('away'));
    store.set(A, 'presence', 'bob', v('idle'));
    store.set(A, 'lines', 'l1', v({ state: 'ringing' }));
    expect(store.get('presence', 'alice')).toEqual([
      { map: 'presence', key: 'alice', nodeId: A, value: 'away' },
      { map: 'presence', key: 'alice', nodeId: B, value: 'busy' },
    ]);
    expect(store.entries('presence').map((e) => `${e.nodeId}/${e.key}`)).toEqual([
      `${A}/alice`,
      `${A}/bob`,
      `${B}/alice`,
    ]);
    expect(store.entries('presence', B)).toEqual([
      { map: 'presence', key: 'alice', nodeId: B, value: 'busy' },
    ]);
    expect(store.count(A)).toBe(3);
    expect(store.get('presence', 'nobody')).toEqual([]);
  });

  it('answers no change for the same value again, and the previous value for a new one', () => {
    const store = new StateStore();
    store.set(A, 'm', 'k', v({ a: 1 }));
    expect(store.set(A, 'm', 'k', v({ a: 1 }))).toBeUndefined();
    expect(store.set(A, 'm', 'k', v({ a: 2 }))).toMatchObject({ value: { a: 2 }, previous: { a: 1 } });
    expect(store.count(A)).toBe(1);
    expect(store.delete(A, 'm', 'k', 'delete')).toMatchObject({ value: undefined, previous: { a: 2 } });
    expect(store.delete(A, 'm', 'k', 'delete')).toBeUndefined();
    expect(store.count(A)).toBe(0);
    expect(store.ownerIds()).toEqual([]);
  });

  it('replaces an owner’s entries with a snapshot: what differs is set, what is missing goes', () => {
    const store = new StateStore();
    store.set(A, 'presence', 'alice', v('busy'));
    store.set(A, 'presence', 'bob', v('idle'));
    store.set(A, 'presence', 'carol', v('away'));
    store.set(B, 'presence', 'bob', v('busy'));
    const changes = store.replace(
      A,
      [
        ['presence', 'alice', v('busy')],
        ['presence', 'bob', v('away')],
        ['lines', 'l1', v('idle')],
      ],
      'node-restarted',
    );
    expect(changes.map((c) => `${c.reason} ${c.map}/${c.key}=${String(c.value)}`)).toEqual([
      'set presence/bob=away',
      'set lines/l1=idle',
      'node-restarted presence/carol=undefined',
    ]);
    expect(store.count(A)).toBe(3);
    expect(store.entries('presence', B)).toHaveLength(1);
  });

  it('drops every entry of an owner that left, and nothing of the others', () => {
    const store = new StateStore();
    store.set(A, 'presence', 'alice', v('busy'));
    store.set(A, 'lines', 'l1', v('idle'));
    store.set(B, 'presence', 'bob', v('busy'));
    const changes = store.drop(A, 'node-left');
    expect(changes.map((c) => [c.nodeId, c.key, c.reason, c.previous])).toEqual([
      [A, 'alice', 'node-left', 'busy'],
      [A, 'l1', 'node-left', 'idle'],
    ]);
    expect(store.count(A)).toBe(0);
    expect(store.entries('presence')).toEqual([{ map: 'presence', key: 'bob', nodeId: B, value: 'busy' }]);
    expect(store.drop(A, 'node-left')).toEqual([]);
  });
});
