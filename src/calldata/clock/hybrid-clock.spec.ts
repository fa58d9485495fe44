import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HybridClock, stampAt, wallTimeOf } from './hybrid-clock.js';

describe('HybridClock', () => {
  it('follows wall time', () => {
    const clock = new HybridClock(() => 1_700_000_000_123);
    expect(wallTimeOf(clock.now()).getTime()).toBe(1_700_000_000_123);
  });

  it('never goes backwards, also when the wall clock does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_600_000_000_000, max: 1_600_000_100_000 }), { minLength: 2 }),
        (walls) => {
          let i = 0;
          const clock = new HybridClock(() => walls[Math.min(i++, walls.length - 1)]!);
          let previous = 0n;
          for (let n = 0; n < walls.length; n++) {
            const stamp = clock.now();
            expect(stamp > previous).toBe(true);
            previous = stamp;
          }
        },
      ),
    );
  });

  it('orders a local change after every stamp it observed', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: stampAt(1_700_000_030_000) }), (remote) => {
        const clock = new HybridClock(() => 1_700_000_000_000);
        clock.observe(remote);
        expect(clock.now() > remote).toBe(true);
      }),
    );
  });

  it('follows a peer that is ahead only up to the drift limit', () => {
    const clock = new HybridClock(() => 1_700_000_000_000, 60_000);
    clock.observe(stampAt(1_800_000_000_000));
    expect(wallTimeOf(clock.now()).getTime()).toBe(1_700_000_060_000);
  });

  it('stamps above a floor within the drift limit, and continues from a restored stamp', () => {
    const clock = new HybridClock(() => 1_700_000_000_000, 60_000);
    const floor = stampAt(1_700_000_030_000);
    expect(clock.nowAfter(floor) > floor).toBe(true);
    const restarted = new HybridClock(() => 1_700_000_000_000, 60_000);
    restarted.restore(floor);
    expect(restarted.now() > floor).toBe(true);
    // Beyond the limit it stops at the limit: the write then reports that it lost.
    expect(clock.nowAfter(stampAt(1_800_000_000_000)) <= clock.limit() + 1n).toBe(true);
  });
});
