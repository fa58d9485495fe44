import { describe, expect, it } from '@jest/globals';
import type { Hello } from '../handshake/handshake-messages.js';
import { REFUSAL_MEMORY_MS, REFUSAL_MEMORY_SIZE, RecentRefusals } from './recent-refusals.js';

const hello = (n: number) =>
  ({ nodeId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, host: 'h', port: n }) as Hello;

describe('RecentRefusals', () => {
  it('returns each refused node once, when it would be admitted', () => {
    const refusals = new RecentRefusals(() => 0);
    refusals.add(hello(1));
    refusals.add(hello(2));
    expect(refusals.takeAdmitted((h) => h.port === 2).map((h) => h.port)).toEqual([2]);
    expect(refusals.takeAdmitted(() => true).map((h) => h.port)).toEqual([1]);
    expect(refusals.takeAdmitted(() => true)).toEqual([]);
  });

  it('forgets refusals older than the memory time', () => {
    let now = 0;
    const refusals = new RecentRefusals(() => now);
    refusals.add(hello(1));
    now = REFUSAL_MEMORY_MS + 1;
    expect(refusals.takeAdmitted(() => true)).toEqual([]);
  });

  it('keeps the newest refusal per node and at most REFUSAL_MEMORY_SIZE nodes', () => {
    const refusals = new RecentRefusals(() => 0);
    for (let n = 0; n < REFUSAL_MEMORY_SIZE + 3; n++) refusals.add(hello(n));
    refusals.add({ ...hello(5), host: 'newer' });
    const taken = refusals.takeAdmitted(() => true);
    expect(taken).toHaveLength(REFUSAL_MEMORY_SIZE);
    expect(taken.some((h) => h.port < 3)).toBe(false);
    expect(taken.find((h) => h.port === 5)?.host).toBe('newer');
  });
});
