import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { islands } from './islands.js';

describe('islands', () => {
  it('joins nodes linked directly or through others', () => {
    expect(
      islands(
        ['a', 'b', 'c', 'd', 'e'],
        [
          ['a', 'b'],
          ['b', 'c'],
          ['d', 'e'],
        ],
      ),
    ).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('makes a node without links an island of its own, and ignores edges to unknown nodes', () => {
    expect(islands(['c', 'a', 'b'], [['a', 'x']])).toEqual([['a'], ['b'], ['c']]);
    expect(islands([], [])).toEqual([]);
  });

  it('puts the biggest island first, ties by the first node', () => {
    expect(
      islands(
        ['a', 'b', 'c', 'd', 'e', 'f'],
        [
          ['e', 'f'],
          ['c', 'd'],
          ['d', 'b'],
        ],
      ),
    ).toEqual([['b', 'c', 'd'], ['e', 'f'], ['a']]);
  });

  it('gives every node exactly one island, and two linked nodes the same (property)', () => {
    const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        ids.chain((nodes) =>
          fc.tuple(
            fc.constant(nodes),
            fc.array(fc.tuple(fc.constantFrom(...nodes), fc.constantFrom(...nodes)), { maxLength: 30 }),
          ),
        ),
        ([nodes, edges]) => {
          const found = islands(nodes, edges);
          expect(found.flat().sort()).toEqual([...nodes].sort());
          const of = new Map(found.flatMap((group, i) => group.map((node) => [node, i])));
          for (const [a, b] of edges) expect(of.get(a)).toBe(of.get(b));
        },
      ),
    );
  });
});
