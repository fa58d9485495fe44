import { describe, expect, it } from '@jest/globals';
import { idleProbeIntervalMs, MAX_IDLE_PROBE_MS } from './idle-probe.js';

describe('idleProbeIntervalMs', () => {
  it('keeps a third of the liveness timeout while the links are few', () => {
    expect(idleProbeIntervalMs(0, 4, 3000)).toBe(1000);
    expect(idleProbeIntervalMs(1, 4, 3000)).toBe(1000);
    expect(idleProbeIntervalMs(4, 4, 3000)).toBe(1000);
  });

  it('shares the probes per second among the links: one interval per link count', () => {
    expect(idleProbeIntervalMs(5, 4, 3000)).toBe(1250);
    expect(idleProbeIntervalMs(31, 4, 3000)).toBe(7750);
    expect(idleProbeIntervalMs(63, 4, 3000)).toBe(15_750);
    expect(idleProbeIntervalMs(31, 31, 3000)).toBe(1000);
  });

  it('probes at least every MAX_IDLE_PROBE_MS, and never faster than the timeout allows', () => {
    expect(idleProbeIntervalMs(1000, 4, 3000)).toBe(MAX_IDLE_PROBE_MS);
    expect(idleProbeIntervalMs(1000, 4, 120_000)).toBe(40_000);
  });
});
