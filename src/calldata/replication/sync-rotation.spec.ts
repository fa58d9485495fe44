import { describe, expect, it } from '@jest/globals';
import { nextSyncPeers, SyncRotation } from './sync-rotation.js';

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

describe('SyncRotation', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

  it('asks every linked peer once after start, in turn, and then rests', () => {
    const rotation = new SyncRotation();
    expect(rotation.next(peers, 4)).toEqual(['a', 'b', 'c', 'd']);
    expect(rotation.next(peers, 4)).toEqual(['e', 'f', 'g', 'h']);
    expect(rotation.next(peers, 4)).toEqual(['i', 'j']);
    expect(rotation.resting).toBe(true);
    for (let i = 0; i < 5; i++) expect(rotation.next(peers, 4)).toEqual([]);
  });

  it('a small mesh: all peers in one interval, then rest', () => {
    const rotation = new SyncRotation();
    expect(rotation.next(['a', 'b'], 4)).toEqual(['a', 'b']);
    expect(rotation.next(['a', 'b'], 4)).toEqual([]);
  });

  it('an event starts a whole round again, from where the turn stood', () => {
    const rotation = new SyncRotation();
    rotation.next(peers, 4);
    rotation.next(peers, 4);
    rotation.wake(); // a live message, a link change: count every peer again
    const asked = [rotation.next(peers, 4), rotation.next(peers, 4), rotation.next(peers, 4)].flat();
    expect(asked).toEqual(['i', 'j', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(rotation.next(peers, 4)).toEqual([]);
    rotation.wake();
    expect(rotation.next(peers, 4)).toEqual(['i', 'j', 'a', 'b']);
  });

  it('with no peer linked it rests until the next event', () => {
    const rotation = new SyncRotation();
    expect(rotation.next([], 4)).toEqual([]);
    expect(rotation.resting).toBe(true);
    rotation.wake();
    expect(rotation.next(['a'], 4)).toEqual(['a']);
  });
});
