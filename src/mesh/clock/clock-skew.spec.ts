import { describe, expect, it } from '@jest/globals';
import { clockSkew, clockSkewFailure } from './clock-skew.js';
import { peerClock } from './peer-clock.js';

const LIMIT = 30_000;

describe('clockSkew (the maximum-offset rule)', () => {
  it('refuses a peer ahead by more than the limit, in words for both sides', () => {
    expect(clockSkew({ offsetMs: 7_200_312, uncertaintyMs: 0.5 }, LIMIT)).toEqual({
      offsetMs: 7_200_312,
      message: "the peer's clock is 7200.3 s ahead of this node's (limit 30 s)",
      peerMessage: "the peer's clock is 7200.3 s behind this node's (the peer's limit 30 s)",
    });
  });

  it('refuses a peer behind by more than the limit', () => {
    expect(clockSkew({ offsetMs: -45_000, uncertaintyMs: 0 }, LIMIT)).toMatchObject({
      message: "the peer's clock is 45.0 s behind this node's (limit 30 s)",
      peerMessage: "the peer's clock is 45.0 s ahead of this node's (the peer's limit 30 s)",
    });
  });

  it('accepts a peer within the limit, or exactly at it', () => {
    expect(clockSkew({ offsetMs: 12, uncertaintyMs: 0.2 }, LIMIT)).toBeUndefined();
    expect(clockSkew({ offsetMs: -LIMIT, uncertaintyMs: 0 }, LIMIT)).toBeUndefined();
  });

  it('refuses only what is certainly beyond the limit: the uncertainty counts for the peer', () => {
    // 31 s measured over a 4 s round trip: the true offset may be as low as 29 s.
    expect(clockSkew({ offsetMs: 31_000, uncertaintyMs: 2000 }, LIMIT)).toBeUndefined();
    expect(clockSkew({ offsetMs: 33_000, uncertaintyMs: 2000 }, LIMIT)).toBeDefined();
  });

  it('knows nothing, and refuses nothing, without a measurement', () => {
    expect(clockSkew({ offsetMs: undefined, uncertaintyMs: undefined }, LIMIT)).toBeUndefined();
  });

  it('makes a clock-skew failure that carries the offset', () => {
    const skew = clockSkew({ offsetMs: 7_200_000, uncertaintyMs: 0 }, 60_000);
    if (!skew) throw new Error('no skew');
    expect(clockSkewFailure(skew)).toMatchObject({
      reason: 'clock-skew',
      message: "the peer's clock is 7200.0 s ahead of this node's (limit 60 s)",
      clockOffsetMs: 7_200_000,
    });
  });
});

describe('peerClock', () => {
  it('defaults to the system clock and takes the configured limit', () => {
    const clock = peerClock({ maxClockOffsetMs: 30_000 });
    expect(clock).toEqual({ now: Date.now, maxOffsetMs: 30_000 });
    const fixed = () => 42;
    expect(peerClock({ maxClockOffsetMs: 500, now: fixed })).toEqual({ now: fixed, maxOffsetMs: 500 });
  });
});
