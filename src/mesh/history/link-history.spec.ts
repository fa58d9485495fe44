import { describe, expect, it } from '@jest/globals';
import type { LinkStatusEvent } from '../events/mesh-events.js';
import { historyEntry } from './link-history.js';

const at = '2026-12-07T12:00:00.000Z';
const change = (status: LinkStatusEvent['status'], transition = true): LinkStatusEvent => ({
  host: 'pbx-2',
  port: 7222,
  status,
  transition,
});

describe('link history: what a status change adds', () => {
  it('records a change of state or reason with its time, reason and message', () => {
    const status = { state: 'error', reason: 'timeout', message: 'no sign of life', since: at } as const;
    expect(historyEntry(change(status))).toEqual({
      at,
      state: 'error',
      reason: 'timeout',
      message: 'no sign of life',
    });
    expect(historyEntry(change({ state: 'connected', since: at, rttMs: 1.2 }))).toEqual({
      at,
      state: 'connected',
    });
  });

  it('records nothing for the same state again (a redial failing alike, new round-trip figures)', () => {
    expect(historyEntry(change({ state: 'connected', since: at, rttMs: 3 }, false))).toBeUndefined();
  });

  it('cuts a long message to what the table holds', () => {
    const status = { state: 'error', reason: 'closed', message: 'x'.repeat(5000), since: at } as const;
    expect(historyEntry(change(status))?.message).toHaveLength(1024);
  });
});
