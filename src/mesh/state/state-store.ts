import type { StoredValue } from './state-limits.js';

/**
 * Why an entry changed, as `mesh.state.changed` says: its owner set or deleted it, its owner left
 * (link lost beyond the grace, or closed on purpose), or its owner restarted without it.
 */
export type StateChangeReason = 'set' | 'delete' | 'node-left' | 'node-restarted';

/** One change of the view: `value` undefined when the entry is gone, `previous` when it was new. */
export interface StateChange {
  map: string;
  key: string;
  /** The node that owns the entry. */
  nodeId: string;
  value: unknown;
  previous: unknown;
  reason: StateChangeReason;
}

/** One entry of a node's own state, as a snapshot carries it. */
export type OwnedEntry = readonly [map: string, key: string, value: StoredValue];

/** An entry of the view, as `MeshStateService` answers. */
export interface StateEntry<T = unknown> {
  map: string;
  key: string;
  nodeId: string;
  value: T;
}

type OwnerMaps = Map<string, Map<string, StoredValue>>;

/**
 * Everyone's entries on this node, by owner node, map and key; every mutation answers the
 * changes it made (none when a value is set to what it was). No I/O.
 */
export class StateStore {
  private readonly owners = new Map<string, OwnerMaps>();
  private readonly counts = new Map<string, number>();

  /** Entries the node owns. */
  count(owner: string): number {
    return this.counts.get(owner) ?? 0;
  }

  has(owner: string, map: string, key: string): boolean {
    return this.owners.get(owner)?.get(map)?.has(key) ?? false;
  }

  set(owner: string, map: string, key: string, stored: StoredValue): StateChange | undefined {
    let maps = this.owners.get(owner);
    if (!maps) this.owners.set(owner, (maps = new Map<string, Map<string, StoredValue>>()));
    let keys = maps.get(map);
    if (!keys) maps.set(map, (keys = new Map<string, StoredValue>()));
    const previous = keys.get(key);
    if (previous?.packed.equals(stored.packed)) return undefined;
    keys.set(key, stored);
    if (!previous) this.counts.set(owner, this.count(owner) + 1);
    return { map, key, nodeId: owner, value: stored.value, previous: previous?.value, reason: 'set' };
  }

  delete(owner: string, map: string, key: string, reason: StateChangeReason): StateChange | undefined {
    const maps = this.owners.get(owner);
    const keys = maps?.get(map);
    const previous = keys?.get(key);
    if (!maps || !keys || !previous) return undefined;
    keys.delete(key);
    if (keys.size === 0) maps.delete(map);
    const left = this.count(owner) - 1;
    if (left === 0) {
      this.owners.delete(owner);
      this.counts.delete(owner);
    } else this.counts.set(owner, left);
    return { map, key, nodeId: owner, value: undefined, previous: previous.value, reason };
  }

  /**
   * Makes the owner's entries exactly `entries` (a snapshot): what differs is set, what is missing
   * goes with `removed` as its reason.
   */
  replace(owner: string, entries: Iterable<OwnedEntry>, removed: StateChangeReason): StateChange[] {
    const changes: StateChange[] = [];
    const kept = new Map<string, Set<string>>();
    for (const [map, key, stored] of entries) {
      let keys = kept.get(map);
      if (!keys) kept.set(map, (keys = new Set()));
      keys.add(key);
      const change = this.set(owner, map, key, stored);
      if (change) changes.push(change);
    }
    for (const [map, key] of this.owned(owner)) {
      if (kept.get(map)?.has(key)) continue;
      const change = this.delete(owner, map, key, removed);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** Removes every entry of the owner. */
  drop(owner: string, reason: StateChangeReason): StateChange[] {
    return this.replace(owner, [], reason);
  }

  /** The owner's entries, in insertion order. */
  owned(owner: string): OwnedEntry[] {
    const entries: OwnedEntry[] = [];
    for (const [map, keys] of this.owners.get(owner) ?? [])
      for (const [key, stored] of keys) entries.push([map, key, stored]);
    return entries;
  }

  /** Nodes owning at least one entry. */
  ownerIds(): string[] {
    return [...this.owners.keys()];
  }

  /** The key's entry of every owner that has one, by node ID. */
  get<T>(map: string, key: string): Array<StateEntry<T>> {
    const found: Array<StateEntry<T>> = [];
    for (const nodeId of this.sortedOwners()) {
      const stored = this.owners.get(nodeId)?.get(map)?.get(key);
      if (stored) found.push({ map, key, nodeId, value: stored.value as T });
    }
    return found;
  }

  /** The map's entries of every owner (or of one), by node ID and key. */
  entries<T>(map: string, owner?: string): Array<StateEntry<T>> {
    const found: Array<StateEntry<T>> = [];
    for (const nodeId of owner === undefined ? this.sortedOwners() : [owner]) {
      const keys = this.owners.get(nodeId)?.get(map);
      if (!keys) continue;
      for (const key of [...keys.keys()].sort())
        found.push({ map, key, nodeId, value: keys.get(key)?.value as T });
    }
    return found;
  }

  private sortedOwners(): string[] {
    return [...this.owners.keys()].sort();
  }
}
