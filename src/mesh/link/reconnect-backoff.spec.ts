import { describe, expect, it } from '@jest/globals';
import { ReconnectBackoff } from './reconnect-backoff.js';

describe('ReconnectBackoff', () => {
  it('doubles from 1 s to a 30 s ceiling, each delay jittered within [ceiling/2, ceiling]', () => {
    const low = new ReconnectBackoff(1000, 30_000, () => 0);
    const high = new ReconnectBackoff(1000, 30_000, () => 1);
    const ceilings = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000];
    for (const ceiling of ceilings) {
      expect(low.next()).toBe(ceiling / 2);
      expect(high.next()).toBe(ceiling);
    }
  });

  it('starts again from the minimum after a reset', () => {
    const backoff = new ReconnectBackoff(1000, 30_000, () => 1);
    for (let i = 0; i < 10; i++) backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });

  it('never overflows after very many attempts', () => {
    const backoff = new ReconnectBackoff(1000, 30_000, () => 1);
    for (let i = 0; i < 5000; i++) expect(backoff.next()).toBeLessThanOrEqual(30_000);
  });
});
