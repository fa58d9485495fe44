import { describe, expect, it } from '@jest/globals';
import { FailureRateLimiter } from './failure-rate-limiter.js';

describe('FailureRateLimiter', () => {
  it('blocks an address after the limit within the window, and forgives it as failures age out', () => {
    let now = 0;
    const limiter = new FailureRateLimiter(3, 1000, 100, () => now);
    limiter.record('10.0.0.1');
    limiter.record('10.0.0.1');
    expect(limiter.blocked('10.0.0.1')).toBe(false);
    limiter.record('10.0.0.1');
    expect(limiter.blocked('10.0.0.1')).toBe(true);
    expect(limiter.blocked('10.0.0.2')).toBe(false);
    now = 1001;
    expect(limiter.blocked('10.0.0.1')).toBe(false);
  });

  it('remembers a bounded number of addresses, forgetting the least recently failed', () => {
    const limiter = new FailureRateLimiter(1, 60_000, 2, () => 0);
    limiter.record('a');
    limiter.record('b');
    limiter.record('c');
    expect(limiter.blocked('a')).toBe(false);
    expect(limiter.blocked('b')).toBe(true);
    expect(limiter.blocked('c')).toBe(true);
  });
});
