import { describe, expect, it } from '@jest/globals';
import { LinkTable, type TableLink } from './link-table.js';

// Node IDs compare as strings: A < B < C.
const A = 'aaaaaaaa-0000-4000-8000-000000000000';
const B = 'bbbbbbbb-0000-4000-8000-000000000000';
const C = 'cccccccc-0000-4000-8000-000000000000';

let made = 0;
function link(
  nodeId: string,
  direction: TableLink['direction'],
  instanceId = 'run-1',
): TableLink & { id: number } {
  return { nodeId, direction, peer: { instanceId }, id: ++made };
}

/** Node `self`'s table, as both sides of a pair keep one. */
const table = (self: string) => new LinkTable<ReturnType<typeof link>>(() => self);

describe('LinkTable: one link per pair', () => {
  it('adopts the first link to a node', () => {
    const t = table(A);
    const l = link(B, 'outbound');
    expect(t.adopt(l, 10)).toEqual({ verdict: 'adopted' });
    expect(t.get(B)).toBe(l);
  });

  it.each([
    // [self, peer, existing direction, newcomer direction, survivor]
    // Both dialled at once: both sides keep the link dialled by the smaller node ID (A).
    [A, B, 'outbound', 'inbound', 'existing'], // A's own dial (A dialled) stays, B's dial loses
    [A, B, 'inbound', 'outbound', 'newcomer'], // B's dial came first at A; A's own dial wins
    [B, A, 'outbound', 'inbound', 'newcomer'], // at B: B's dial first, then A's dial (A dialled) wins
    [B, A, 'inbound', 'outbound', 'existing'], // at B: A's dial first; B's own dial loses
  ] as const)('%s with peer %s: existing %s, newcomer %s ⇒ %s survives', (self, peer, had, got, survivor) => {
    const t = table(self);
    const existing = link(peer, had);
    const newcomer = link(peer, got);
    t.adopt(existing, 10);
    const verdict = t.adopt(newcomer, 10);
    if (survivor === 'existing') {
      expect(verdict).toEqual({ verdict: 'duplicate', keep: existing });
      expect(t.get(peer)).toBe(existing);
    } else {
      expect(verdict).toEqual({ verdict: 'adopted', replaced: { link: existing, why: 'duplicate' } });
      expect(t.get(peer)).toBe(newcomer);
    }
  });

  it('both sides of a simultaneous dial agree on the link dialled by the smaller node ID', () => {
    // A's view and B's view of the same two connections, each arriving in either order.
    for (const aFirst of [true, false]) {
      for (const bFirst of [true, false]) {
        const atA = table(A);
        const atB = table(B);
        const aDial = { atA: link(B, 'outbound'), atB: link(A, 'inbound') };
        const bDial = { atA: link(B, 'inbound'), atB: link(A, 'outbound') };
        for (const l of aFirst ? [aDial.atA, bDial.atA] : [bDial.atA, aDial.atA]) atA.adopt(l, 10);
        for (const l of bFirst ? [aDial.atB, bDial.atB] : [bDial.atB, aDial.atB]) atB.adopt(l, 10);
        expect(atA.get(B)).toBe(aDial.atA);
        expect(atB.get(A)).toBe(aDial.atB);
      }
    }
  });

  it('a second link of the same direction and run loses to the one there first', () => {
    const t = table(A);
    const first = link(B, 'outbound');
    t.adopt(first, 10);
    expect(t.adopt(link(B, 'outbound'), 10)).toEqual({ verdict: 'duplicate', keep: first });
  });

  it.each(['inbound', 'outbound'] as const)(
    'a link from a restarted peer (new instance) replaces the stale one, whoever dialled (%s)',
    (direction) => {
      const t = table(A);
      const stale = link(B, 'outbound', 'run-1');
      t.adopt(stale, 10);
      const fresh = link(B, direction, 'run-2');
      expect(t.adopt(fresh, 10)).toEqual({
        verdict: 'adopted',
        replaced: { link: stale, why: 'connection-lost' },
      });
      expect(t.get(B)).toBe(fresh);
    },
  );

  it('removes only the current link of a node', () => {
    const t = table(A);
    const kept = link(B, 'outbound');
    const loser = link(B, 'inbound');
    t.adopt(kept, 10);
    t.adopt(loser, 10);
    expect(t.remove(loser)).toBe(false);
    expect(t.get(B)).toBe(kept);
    expect(t.remove(kept)).toBe(true);
    expect(t.has(B)).toBe(false);
  });
});

describe('LinkTable: the license limit', () => {
  it('refuses a link to a new node beyond the limit, but not a replacement of a linked one', () => {
    const t = table(A);
    t.adopt(link(B, 'outbound'), 1);
    expect(t.adopt(link(C, 'outbound'), 1)).toEqual({ verdict: 'over-limit', limit: 1 });
    expect(t.has(C)).toBe(false);
    expect(t.adopt(link(B, 'outbound', 'run-2'), 1).verdict).toBe('adopted');
    expect(t.atLimit(undefined, 1)).toBe(true);
    expect(t.atLimit(B, 1)).toBe(false);
    expect(t.atLimit(C, 2)).toBe(false);
  });

  it('a limit of 0 refuses every link', () => {
    expect(table(A).adopt(link(B, 'inbound'), 0)).toEqual({ verdict: 'over-limit', limit: 0 });
  });

  it('a smaller license closes the newest links first', () => {
    const t = table(A);
    const [b, c, d] = [
      link(B, 'outbound'),
      link(C, 'inbound'),
      link('dddddddd-0000-4000-8000-000000000000', 'outbound'),
    ];
    for (const l of [b, c, d]) t.adopt(l, 10);
    expect(t.overLimit(1)).toEqual([d, c]);
    expect(t.overLimit(3)).toEqual([]);
    expect(t.overLimit(0)).toEqual([d, c, b]);
  });

  it('a replacement counts as the newest link', () => {
    const t = table(A);
    const b = link(B, 'outbound');
    const c = link(C, 'outbound');
    t.adopt(b, 10);
    t.adopt(c, 10);
    const b2 = link(B, 'inbound', 'run-2');
    t.adopt(b2, 10);
    expect(t.overLimit(1)).toEqual([b2]);
  });
});
