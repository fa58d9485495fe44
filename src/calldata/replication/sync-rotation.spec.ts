import { describe, expect, it } from '@jest/globals';
import { nextSyncPeers } from './sync-rotation.js';

describe('nextSyncPeers', () => {
  it('asks every peer while there are no more than the count', () => {
    expect(nextSyncPeers(['a', 'b', 'c'], 5, 4)).toEqual({ peers: ['a', 'b', 'c'], cursor: 0 });
    expect(nextSyncPeers([], 0, 4)).toEqual({ peers: [], cursor: 0 });
  });

  it('asks the count in turn, round robin, so that each peer comes up', () => {
    const peers = ['a', 'b', 'c', 'd', 'e', 'f'];
    const seen: string[] = [];
    let cursor = 0;
    for (let i = 0; i < 3; i++) {
      const next = nextSyncPeers(peers, cursor, 4);
      expect(next.peers).toHaveLength(4);
      seen.push(...next.peers);
      cursor = next.cursor;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('keeps going when peers came or went since (the cursor is taken modulo)', () => {
    expect(nextSyncPeers(['a', 'b', 'c', 'd', 'e'], 9, 2)).toEqual({ peers: ['e', 'a'], cursor: 1 });
  });
});
