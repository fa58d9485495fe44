/** What the table needs to know of a link: whose it is, who dialled it, which run of the peer. */
export interface TableLink {
  readonly nodeId: string;
  readonly direction: 'inbound' | 'outbound';
  readonly peer: { readonly instanceId: string };
}

/** The table's verdict on a new authenticated connection. */
export type Adoption<L extends TableLink> =
  /** The license allows no more links; close the newcomer. */
  | { verdict: 'over-limit'; limit: number }
  /** A link to the same run of the peer exists and wins the tie-break; close the newcomer. */
  | { verdict: 'duplicate'; keep: L }
  /** The newcomer is the node's link now; close `replaced` (if any) for `why`. */
  | { verdict: 'adopted'; replaced?: { link: L; why: 'duplicate' | 'connection-lost' } };

/**
 * The rule of one link per pair of nodes, without sockets: which of two links between the same
 * two nodes survives, when a restarted peer's link replaces a stale one, and which links a
 * smaller license closes. Both sides apply the same rule to the same facts, so they agree.
 */
export class LinkTable<L extends TableLink> {
  /** In adoption order: the newest last. */
  private readonly links = new Map<string, L>();

  /** @param localNodeId this node's ID (a function: it is known once the node's identity has loaded) */
  constructor(private readonly localNodeId: () => string) {}

  get size(): number {
    return this.links.size;
  }

  get(nodeId: string): L | undefined {
    return this.links.get(nodeId);
  }

  has(nodeId: string): boolean {
    return this.links.has(nodeId);
  }

  values(): IterableIterator<L> {
    return this.links.values();
  }

  /**
   * Takes a newly authenticated link, or not:
   * - a link from a restarted peer (another instance ID) replaces the stale one;
   * - of two links to the same run of the peer, both sides keep the one dialled by the smaller node
   *   ID (ties: the one there first), so simultaneous dials settle on one link;
   * - a link to a node not linked yet must fit in `limit`.
   */
  adopt(link: L, limit: number): Adoption<L> {
    const existing = this.links.get(link.nodeId);
    if (!existing && this.atLimit(link.nodeId, limit)) return { verdict: 'over-limit', limit };
    const sameRun = existing?.peer.instanceId === link.peer.instanceId;
    if (existing && sameRun && this.dialler(existing) <= this.dialler(link)) {
      return { verdict: 'duplicate', keep: existing };
    }
    // Delete first so the newcomer takes the newest place in the order.
    this.links.delete(link.nodeId);
    this.links.set(link.nodeId, link);
    if (!existing) return { verdict: 'adopted' };
    return {
      verdict: 'adopted',
      replaced: { link: existing, why: sameRun ? 'duplicate' : 'connection-lost' },
    };
  }

  /** Forgets a closed link; false when it was not the node's link (a loser or a replaced one). */
  remove(link: L): boolean {
    if (this.links.get(link.nodeId) !== link) return false;
    this.links.delete(link.nodeId);
    return true;
  }

  /** True when one more link, to a node not linked yet (or to anyone: `undefined`), exceeds `limit`. */
  atLimit(nodeId: string | undefined, limit: number): boolean {
    return (nodeId === undefined || !this.links.has(nodeId)) && this.links.size >= limit;
  }

  /** The links beyond a (new, smaller) limit, newest first: the ones to close. */
  overLimit(limit: number): L[] {
    return [...this.links.values()].slice(Math.max(0, limit)).reverse();
  }

  private dialler(link: L): string {
    return link.direction === 'outbound' ? this.localNodeId() : link.nodeId;
  }
}
