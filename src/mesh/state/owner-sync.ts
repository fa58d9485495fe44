import { STATE_LIMITS, type StoredValue } from './state-limits.js';
import type { OwnedEntry } from './state-store.js';

/** One part of an owner's full state at `version`; parts 0, 1, … in order, the last `final`. */
export interface SnapshotPart {
  instanceId: string;
  version: number;
  part: number;
  final: boolean;
  entries: OwnedEntry[];
}

/** A set (with its value) or a delete (without); `null` for an item dropped as malformed. */
export type StateOp = readonly [map: string, key: string, value?: StoredValue] | null;

/** The owner's changes numbered `version`, `version + 1`, … in order. */
export interface StateDelta {
  instanceId: string;
  version: number;
  ops: StateOp[];
}

/** What the receiving node does with a message of the owner. */
export type SyncStep =
  /** Nothing (a part of an unfinished snapshot, a repeat, or a resync already asked for). */
  | { kind: 'wait' }
  /** Ask the owner for a snapshot: this node missed something. */
  | { kind: 'resync'; why: string }
  /** The owner's entries are exactly these; `restarted` when a new instance replaces the old one. */
  | { kind: 'replace'; entries: OwnedEntry[]; restarted: boolean; dropped: number }
  /** Apply these changes, in order. */
  | { kind: 'apply'; ops: StateOp[] };

interface Assembly {
  instanceId: string;
  version: number;
  next: number;
  entries: Map<string, OwnedEntry>;
  dropped: number;
}

/**
 * What this node knows of one owner's state: which instance of the owner and which of its
 * versions the view holds, and the snapshot being received. Decides per message whether to
 * apply, wait or ask the owner for a snapshot (after a gap, an unknown instance or a broken
 * snapshot). Only the owner sends its entries, over its one link, in order: a snapshot when the
 * link comes up or on request, then deltas. No I/O.
 */
export class OwnerSync {
  /** The owner's instance the view holds; undefined until its first snapshot. */
  instanceId?: string;
  /** The owner's last change the view holds. */
  version = 0;
  private assembly?: Assembly;
  private resyncAsked = false;

  snapshotPart(part: SnapshotPart): SyncStep {
    if (part.part === 0) {
      const { instanceId, version } = part;
      this.assembly = { instanceId, version, next: 0, entries: new Map(), dropped: 0 };
    }
    const assembly = this.assembly;
    if (
      !assembly ||
      assembly.instanceId !== part.instanceId ||
      assembly.version !== part.version ||
      assembly.next !== part.part
    ) {
      this.assembly = undefined;
      return this.resync(`snapshot part ${part.part} out of order`);
    }
    assembly.next++;
    for (const entry of part.entries) {
      const id = `${entry[0]}\u0000${entry[1]}`;
      if (assembly.entries.size >= STATE_LIMITS.maxEntriesPerNode && !assembly.entries.has(id))
        assembly.dropped++;
      else assembly.entries.set(id, entry);
    }
    if (!part.final) return { kind: 'wait' };
    this.assembly = undefined;
    // Versions only grow within an instance: an older snapshot of it says nothing new.
    if (assembly.instanceId === this.instanceId && assembly.version < this.version) return { kind: 'wait' };
    const restarted = this.instanceId !== undefined && this.instanceId !== assembly.instanceId;
    this.instanceId = assembly.instanceId;
    this.version = assembly.version;
    this.resyncAsked = false;
    return { kind: 'replace', entries: [...assembly.entries.values()], restarted, dropped: assembly.dropped };
  }

  delta(delta: StateDelta): SyncStep {
    if (this.assembly) {
      // The owner finishes a snapshot before it sends deltas: this one does not fit in.
      this.assembly = undefined;
      return this.resync('a delta in the middle of a snapshot');
    }
    if (this.instanceId !== delta.instanceId) return this.resync('a delta of an instance not seen yet');
    const last = delta.version + delta.ops.length - 1;
    if (last <= this.version) return { kind: 'wait' }; // sent before the snapshot that holds it
    if (delta.version > this.version + 1)
      return this.resync(`versions ${this.version + 1} to ${delta.version - 1} missing`);
    const ops = delta.ops.slice(this.version + 1 - delta.version);
    this.version = last;
    return { kind: 'apply', ops };
  }

  /** The link is gone: a snapshot in progress will not be finished, a resync not answered. */
  linkDown(): void {
    this.assembly = undefined;
    this.resyncAsked = false;
  }

  private resync(why: string): SyncStep {
    if (this.resyncAsked) return { kind: 'wait' };
    this.resyncAsked = true;
    return { kind: 'resync', why };
  }
}
