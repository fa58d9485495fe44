/**
 * Linked peers a periodic catch-up asks at most: any peer's log carries every origin's changes,
 * so a few per interval repair a missed message as well as all of them would, and a node's idle
 * cost no longer grows with the mesh (at 32 nodes, asking all was 12 frames a second per node).
 */
export const SYNC_PEERS_PER_INTERVAL = 4;

/**
 * The next `count` of `peers` after `cursor`, round robin, so every peer is asked in turn; all of
 * them when there are no more than `count`. Answers them and the cursor for the next interval.
 */
export function nextSyncPeers(
  peers: readonly string[],
  cursor: number,
  count = SYNC_PEERS_PER_INTERVAL,
): { peers: string[]; cursor: number } {
  if (peers.length <= count) return { peers: [...peers], cursor: 0 };
  const start = cursor % peers.length;
  const picked = Array.from({ length: count }, (_, i) => peers[(start + i) % peers.length] as string);
  return { peers: picked, cursor: (start + count) % peers.length };
}

/**
 * When the periodic catch-up asks whom. It repairs what a node may have missed without seeing a
 * gap: the last message of an origin lost with a broken link, a change refused for a clock too far
 * ahead, a write that failed here. Each of those comes with an event this node sees (a link going
 * up or down, a live message, a refusal, a catch-up that moved something); after the latest such
 * event the catch-up asks every linked peer once, in turn, and then rests. (Changes of a node not
 * linked here come with no event: the replicator keeps waking the rotation while there is one.)
 * A quiet full mesh therefore sends nothing for it, and a busy or partial one repairs as before.
 */
export class SyncRotation {
  private cursor = 0;
  /** Peers still to ask before resting; `null`: all of those linked at the next interval; undefined: resting. */
  private owed?: number | null = null;

  /** Something happened that may have left a change missing here: ask every peer once more. */
  wake(): void {
    this.owed = null;
  }

  get resting(): boolean {
    return this.owed === undefined;
  }

  /** The peers to ask this interval (none while resting). */
  next(peers: readonly string[], count = SYNC_PEERS_PER_INTERVAL): string[] {
    if (this.owed === undefined) return [];
    const owed = this.owed ?? peers.length;
    const next = nextSyncPeers(peers, this.cursor, Math.min(count, Math.max(owed, 0)));
    this.cursor = next.cursor;
    const left = owed - next.peers.length;
    this.owed = left > 0 ? left : undefined;
    return next.peers;
  }
}
