import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeLinkFrame, encodeLinkFrame, Kind } from '../link/link-frames.js';
import { FRAME_HEADER_BYTES } from '../wire/frame-decoder.js';
import { ClockExchange } from './clock-exchange.js';
import { clockSample } from './clock-sample.js';

const LIMIT = 30_000;
const START = 1_795_000_000_000;

/**
 * Two nodes on one simulated timeline: `b`'s clock is `skewMs` ahead of `a`'s. Pings travel as
 * real link frames (encoded and decoded), each way with its own delay.
 */
function pair(initialSkewMs: number, limitMs = LIMIT) {
  let now = START;
  let skewMs = initialSkewMs;
  const a = new ClockExchange({ now: () => now, maxOffsetMs: limitMs });
  const b = new ClockExchange({ now: () => now + skewMs, maxOffsetMs: limitMs });
  const ping = (from: ClockExchange, to: ClockExchange, delayMs: number): void => {
    const { transmit, origin, receive } = from.stamps();
    const framed = encodeLinkFrame.ping(
      origin === undefined || receive === undefined ? [transmit] : [transmit, origin, receive],
    );
    now += delayMs;
    const frame = decodeLinkFrame(framed.subarray(FRAME_HEADER_BYTES));
    if (frame[0] !== Kind.Ping || frame.length === 1) throw new Error('not a stamped ping');
    const [, t, o, r] = frame;
    to.received({ transmit: t, origin: o, receive: r }, to.settings.now());
  };
  return {
    a,
    b,
    /** `a` pings, `b` answers after holding it `holdMs`. */
    exchange: (there: number, holdMs: number, back: number): void => {
      ping(a, b, there);
      now += holdMs;
      ping(b, a, back);
    },
    setSkew: (ms: number): void => {
      skewMs = ms;
    },
  };
}

describe('clock offsets from pings', () => {
  it('measures a peer 2 h ahead exactly over symmetric delays, and the round trip without the hold', () => {
    const { a, b, exchange } = pair(7_200_000);
    exchange(3, 250, 3);
    expect(a.offsetMs).toBe(7_200_000);
    expect(a.rttMs).toBe(6);
    // b has sent one ping answering a's, but a's first ping answered nothing yet.
    expect(b.offsetMs).toBeUndefined();
    exchange(3, 250, 3);
    expect(b.offsetMs).toBe(-7_200_000);
  });

  it('is off by at most half the round trip, however the delay falls (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.array(fc.tuple(fc.nat(2000), fc.nat(3000), fc.nat(2000)), { minLength: 1, maxLength: 20 }),
        (skew, exchanges) => {
          const { a, exchange } = pair(skew);
          for (const [there, hold, back] of exchanges) exchange(there, hold, back);
          // The estimate keeps the last eight samples and reads the fastest of them.
          const best = Math.min(...exchanges.slice(-8).map(([there, , back]) => there + back));
          expect(Math.abs((a.offsetMs ?? Number.NaN) - skew)).toBeLessThanOrEqual(best / 2);
        },
      ),
    );
  });

  it('takes the offset from the fastest recent ping, so one delayed ping cannot fake a skew', () => {
    const { a, exchange } = pair(0);
    exchange(1, 500, 1);
    // 70 s stuck in one direction only (a frozen sender, a full buffer): the sample alone reads ±35 s.
    exchange(70_000, 500, 1);
    expect(a.offsetMs).toBe(0);
    expect(a.skew()).toBeUndefined();
  });

  it('forgets old samples: a peer clock that jumps is refused within eight pings', () => {
    const clocks = pair(0);
    for (let i = 0; i < 8; i++) clocks.exchange(1, 500, 1);
    expect(clocks.a.skew()).toBeUndefined();
    clocks.setSkew(7_200_000);
    // Slower than the old samples: only their leaving the window lets the new offset through.
    for (let i = 0; i < 8; i++) clocks.exchange(2, 500, 2);
    expect(clocks.a.skew()?.message).toBe("the peer's clock is 7200.0 s ahead of this node's (limit 30 s)");
    expect(clocks.b.skew()?.message).toBe("the peer's clock is 7200.0 s behind this node's (limit 30 s)");
  });

  it('smooths the round trip', () => {
    const { a, exchange } = pair(0);
    exchange(5, 0, 5);
    exchange(45, 0, 45);
    expect(a.rttMs).toBe(10 + (90 - 10) / 8);
  });

  it('keeps the floor of the recent round trips, which a burst of queueing does not move', () => {
    const { a, exchange } = pair(0);
    exchange(1, 0, 1);
    for (let i = 0; i < 6; i++) exchange(40, 0, 40);
    expect(a.rttMs).toBeGreaterThan(40);
    expect(a.floorRttMs).toBe(2);
    // Once the short one left the window of eight, the floor is the shortest left.
    for (let i = 0; i < 2; i++) exchange(40, 0, 40);
    expect(a.floorRttMs).toBe(80);
  });

  it('drops a sample whose stamps cannot be right, and has none before an answer', () => {
    // This node's clock stepped back between sending and receiving: a negative round trip.
    expect(clockSample({ origin: 1000, receive: 5000, transmit: 5001 }, 900)).toBeUndefined();
    // The peer's clock stepped back while it held the ping: a negative hold.
    expect(clockSample({ origin: 1000, receive: 5000, transmit: 4000 }, 1010)).toBeUndefined();
    expect(clockSample({ transmit: 5000 }, 1010)).toBeUndefined();
  });
});
