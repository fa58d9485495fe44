import { describe, expect, it } from '@jest/globals';
import { HybridClock, stampAt } from '../../calldata/clock/hybrid-clock.js';
import { REPLICATION_LAG_BUCKETS, replicationLagSeconds } from './replication-lag.js';

describe('replicationLagSeconds', () => {
  it('is the time from the stamp to the commit, in seconds', () => {
    expect(replicationLagSeconds(stampAt(1_000_000), 1_000_250)).toBe(0.25);
    expect(replicationLagSeconds(stampAt(1_000_000), 1_000_000)).toBe(0);
  });

  it("ignores the stamp's counter: stamps of one millisecond lag alike", () => {
    let now = 5_000;
    const clock = new HybridClock(() => now);
    const first = clock.now();
    const second = clock.now(); // same millisecond, counter 1
    now = 5_100;
    expect(replicationLagSeconds(second, now)).toBe(replicationLagSeconds(first, now));
    expect(replicationLagSeconds(second, now)).toBe(0.1);
  });

  it('is 0, not negative, for a stamp ahead of this clock', () => {
    expect(replicationLagSeconds(stampAt(2_000), 1_000)).toBe(0);
  });

  it('has ascending buckets from milliseconds to an hour', () => {
    expect([...REPLICATION_LAG_BUCKETS].sort((a, b) => a - b)).toEqual(REPLICATION_LAG_BUCKETS);
    expect(REPLICATION_LAG_BUCKETS[0]).toBeLessThan(0.01);
    expect(REPLICATION_LAG_BUCKETS.at(-1)).toBe(3600);
  });
});
