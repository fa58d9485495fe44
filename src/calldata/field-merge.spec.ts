import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CallDataChange } from './calldata.js';
import { type FieldWrite, isNewer, mergeChanges } from './field-merge.js';

const NODES = [
  '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  '6fa459ea-ee8a-3ca4-894e-db77e160355e',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
];

const change: fc.Arbitrary<CallDataChange> = fc.record({
  origin: fc.constantFrom(...NODES),
  seq: fc.nat(),
  callLinkageId: fc.constantFrom('call-1', 'call-2'),
  hlc: fc.bigInt({ min: 1n, max: 40n }),
  fields: fc.dictionary(
    fc.constantFrom('customer', 'ticket', 'note'),
    fc.option(fc.string({ maxLength: 3 })),
    {
      minKeys: 1,
    },
  ),
});

// A node stamps each change anew: (origin, stamp) identifies a change.
const changeLog = fc.uniqueArray(change, { maxLength: 30, selector: (c) => `${c.origin}/${c.hlc}` });

/** A node's visible state: the winner of each field, merged change by change as a node would. */
function replay(changes: CallDataChange[]): Record<string, string | null> {
  const state = new Map<string, FieldWrite>();
  for (const c of changes) {
    for (const write of mergeChanges([c]).writes) {
      const id = `${write.callLinkageId}/${write.key}`;
      const current = state.get(id);
      if (!current || isNewer(write, current)) state.set(id, write);
    }
  }
  return Object.fromEntries([...state].map(([id, w]) => [id, w.value]));
}

describe('field merge', () => {
  it('converges whatever order the changes arrive in, with duplicates', () => {
    fc.assert(
      fc.property(
        changeLog.chain((changes) =>
          fc.tuple(fc.constant(changes), fc.shuffledSubarray(changes, { minLength: changes.length })),
        ),
        ([changes, shuffled]) => {
          expect(replay([...shuffled, ...changes])).toEqual(replay(changes));
        },
      ),
    );
  });

  it('lets a batch merged at once end where merging one by one ends', () => {
    fc.assert(
      fc.property(changeLog, (changes) => {
        const once = Object.fromEntries(
          mergeChanges(changes).writes.map((w) => [`${w.callLinkageId}/${w.key}`, w.value]),
        );
        expect(once).toEqual(replay(changes));
      }),
    );
  });

  it('breaks a tie of stamps by node ID and keeps a removal as a winner', () => {
    const [low, high] = [NODES[0]!, NODES[2]!];
    const { writes } = mergeChanges([
      { origin: high, seq: 1, callLinkageId: 'c', hlc: 5n, fields: { note: null } },
      { origin: low, seq: 1, callLinkageId: 'c', hlc: 5n, fields: { note: 'kept?' } },
    ]);
    expect(writes).toEqual([{ callLinkageId: 'c', key: 'note', value: null, hlc: 5n, node: high }]);
  });

  it('records the origin of the earliest change as the call origin', () => {
    const { calls } = mergeChanges([
      { origin: NODES[1]!, seq: 9, callLinkageId: 'c', hlc: 7n, fields: { a: '1' } },
      { origin: NODES[2]!, seq: 1, callLinkageId: 'c', hlc: 3n, fields: { a: '2' } },
    ]);
    expect(calls).toEqual([{ callLinkageId: 'c', first: { hlc: 3n, node: NODES[2] }, newest: 7n }]);
  });
});
