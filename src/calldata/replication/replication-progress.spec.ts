import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ReplicationProgress } from './replication-progress.js';

const A = 'origin-a';

function after(progress: ReplicationProgress, held: number[], through?: number): ReplicationProgress {
  progress.adopt(progress.plan(new Map([[A, { held, through }]])));
  return progress;
}

describe('ReplicationProgress', () => {
  it('advances over consecutive changes and waits at a gap', () => {
    const progress = after(new ReplicationProgress(), [1, 2, 4, 5]);
    expect(progress.applied(A)).toBe(2);
    expect(progress.highest(A)).toBe(5);
    expect(progress.gaps()).toEqual([A]);
    after(progress, [3]);
    expect(progress.applied(A)).toBe(5);
    expect(progress.gaps()).toEqual([]);
  });

  it('skips what a complete catch-up page vouches was purged', () => {
    const progress = after(new ReplicationProgress(), [1, 9]);
    after(progress, [7], 8);
    expect(progress.applied(A)).toBe(9);
  });

  it('plans without changing anything until the plan is adopted', () => {
    const progress = new ReplicationProgress();
    progress.plan(new Map([[A, { held: [1, 2] }]]));
    expect(progress.applied(A)).toBe(0);
    expect(progress.vector()).toEqual({});
  });

  it('tells which origins a peer lacks', () => {
    const progress = after(new ReplicationProgress(), [1, 2, 3]);
    expect(progress.aheadOf({ [A]: 3 })).toEqual([]);
    expect(progress.aheadOf({ [A]: 2 })).toEqual([A]);
    expect(progress.aheadOf({})).toEqual([A]);
  });

  it('ends complete whatever order and duplication the changes arrive in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.shuffledSubarray(
            Array.from({ length: n * 2 }, (_, i) => (i % n) + 1),
            { minLength: n * 2 },
          ),
        ),
        fc.integer({ min: 1, max: 8 }),
        (arrivals, chunk) => {
          const progress = new ReplicationProgress();
          for (let i = 0; i < arrivals.length; i += chunk) after(progress, arrivals.slice(i, i + chunk));
          const n = arrivals.length / 2;
          expect(progress.applied(A)).toBe(n);
          expect(progress.gaps()).toEqual([]);
        },
      ),
    );
  });
});
