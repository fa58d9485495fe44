import { describe, expect, it } from '@jest/globals';
import { MEMBER_LIST_LIMIT, parseMemberList } from './member-list.js';

const member = (n: number) => ({
  nodeId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  host: '10.0.0.1',
  port: 7222,
});

describe('parseMemberList', () => {
  it('keeps well-formed members and counts the rest as dropped', () => {
    const list = [member(1), { ...member(2), port: 0 }, { ...member(3), extra: 1 }, 'x', member(4)];
    const { members, dropped } = parseMemberList(list);
    expect(members.map((m) => m.nodeId)).toEqual([member(1).nodeId, member(4).nodeId]);
    expect(dropped).toBe(3);
  });

  it('refuses what is not a list at all', () => {
    expect(parseMemberList({ nodeId: 'x' })).toEqual({ members: [], dropped: 1 });
  });

  it('reads no more than MEMBER_LIST_LIMIT entries', () => {
    const list = Array.from({ length: MEMBER_LIST_LIMIT + 5 }, (_, i) => member(i));
    const { members, dropped } = parseMemberList(list);
    expect(members).toHaveLength(MEMBER_LIST_LIMIT);
    expect(dropped).toBe(5);
  });

  it('refuses a host longer than a DNS name and a node ID that is no UUID', () => {
    const { members } = parseMemberList([
      { ...member(1), host: 'a'.repeat(254) },
      { ...member(2), nodeId: 'not-a-uuid' },
    ]);
    expect(members).toEqual([]);
  });
});
