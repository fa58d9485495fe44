import { describe, expect, it } from '@jest/globals';
import { AdminTokenLockout } from './admin-token-lockout.js';

describe('AdminTokenLockout', () => {
  const clocked = (options: { maxFailures?: number; windowMs?: number; maxAddresses?: number } = {}) => {
    const clock = { now: 0 };
    const lockout = new AdminTokenLockout({
      maxFailures: 3,
      windowMs: 1000,
      ...options,
      now: () => clock.now,
    });
    return { clock, lockout };
  };

  it('locks an address out after maxFailures different wrong tokens, and only that address', () => {
    const { lockout } = clocked();
    expect(lockout.wrong('10.0.0.1', 'guess-1')).toEqual({ counted: true, lockedOut: false });
    expect(lockout.wrong('10.0.0.1', 'guess-2')).toEqual({ counted: true, lockedOut: false });
    expect(lockout.refusal('10.0.0.1')).toBeUndefined();
    expect(lockout.wrong('10.0.0.1', 'guess-3')).toEqual({ counted: true, lockedOut: true });
    expect(lockout.refusal('10.0.0.1')).toBe(1000);
    expect(lockout.refusal('10.0.0.2')).toBeUndefined();
    expect(lockout.totals).toEqual({ wrong: 3, refused: 1, lockouts: 1 });
  });

  it('lets the address in again once its failures are older than the window', () => {
    const { clock, lockout } = clocked();
    for (const guess of ['a', 'b', 'c']) lockout.wrong('10.0.0.1', guess);
    clock.now = 999;
    expect(lockout.refusal('10.0.0.1')).toBe(1000);
    clock.now = 1001;
    expect(lockout.refusal('10.0.0.1')).toBeUndefined();
    // A fresh window: one more wrong token does not lock it out again at once.
    expect(lockout.wrong('10.0.0.1', 'd')).toEqual({ counted: true, lockedOut: false });
  });

  it('does not count a stale token sent again within the window', () => {
    const { clock, lockout } = clocked();
    for (let i = 0; i < 50; i++) expect(lockout.wrong('10.0.0.1', 'stale').lockedOut).toBe(false);
    expect(lockout.refusal('10.0.0.1')).toBeUndefined();
    expect(lockout.totals.wrong).toBe(50);
    // After the window it counts once more, still one failure at a time.
    clock.now = 1000;
    expect(lockout.wrong('10.0.0.1', 'stale')).toEqual({ counted: true, lockedOut: false });
    // The same token from another address is that address's failure.
    expect(lockout.wrong('10.0.0.2', 'stale').counted).toBe(true);
  });

  it('keeps at most maxAddresses addresses, forgetting the least recently failed first', () => {
    const { lockout } = clocked({ maxFailures: 1, maxAddresses: 2 });
    lockout.wrong('a', 'x');
    lockout.wrong('b', 'x');
    lockout.wrong('c', 'x');
    expect(lockout.refusal('a')).toBeUndefined();
    expect(lockout.refusal('b')).toBe(1000);
    expect(lockout.refusal('c')).toBe(1000);
  });

  it('stays bounded under a flood of addresses and guesses', () => {
    const { lockout } = clocked({ maxAddresses: 100 });
    for (let i = 0; i < 20_000; i++) lockout.wrong(`10.${i >> 8}.${i & 255}.1`, `guess-${i}`);
    const internals = lockout as unknown as {
      seen: Map<string, number>;
      limiter: { failures: Map<string, unknown> };
    };
    expect(internals.seen.size).toBeLessThanOrEqual(100);
    expect(internals.limiter.failures.size).toBeLessThanOrEqual(100);
  });

  it('has defaults of 10 failures a minute', () => {
    const lockout = new AdminTokenLockout({ now: () => 0 });
    expect([lockout.maxFailures, lockout.windowMs]).toEqual([10, 60_000]);
    for (let i = 1; i < 10; i++) expect(lockout.wrong('10.0.0.1', `g${i}`).lockedOut).toBe(false);
    expect(lockout.wrong('10.0.0.1', 'g10').lockedOut).toBe(true);
  });
});
