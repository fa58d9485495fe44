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
