/** How far this node has one origin's log: everything to `applied`, and some changes above. */
export interface OriginProgress {
  applied: number;
  /** Changes held above `applied`, waiting for a gap below them to be filled. */
  above: ReadonlySet<number>;
}

/** What a batch adds for one origin: changes now held, and how far a peer vouched it complete. */
export interface OriginUpdate {
  held: Iterable<number>;
  /** A catch-up page covers the origin's log up to here: what is missing below was purged. */
  through?: number;
}

/**
 * Per-origin progress through the replication log, as version vectors. Pure, so the database
 * writer can plan the next state inside a transaction and adopt it only after the commit.
 */
export class ReplicationProgress {
  private readonly origins = new Map<string, OriginProgress>();

  /** From the database at start: replaces what this held. */
  load(origins: Iterable<[string, OriginProgress]>): void {
    this.origins.clear();
    for (const [origin, progress] of origins) this.origins.set(origin, progress);
  }

  applied(origin: string): number {
    return this.origins.get(origin)?.applied ?? 0;
  }

  /** The highest change held of `origin`. */
  highest(origin: string): number {
    const progress = this.origins.get(origin);
    return progress ? highestOf(progress) : 0;
  }

  /** Origins with a gap: changes held above one that is missing. */
  gaps(): string[] {
    return [...this.origins].filter(([, p]) => p.above.size > 0).map(([origin]) => origin);
  }

  /** `{origin: applied}`: what a peer must send for this node to be complete. */
  vector(): Record<string, number> {
    return Object.fromEntries([...this.origins].map(([origin, p]) => [origin, p.applied]));
  }

  /** Origins of which this node holds changes above `vector` — what the asking peer lacks. */
  aheadOf(vector: Readonly<Record<string, number>>): string[] {
    return [...this.origins.keys()].filter((origin) => this.highest(origin) > (vector[origin] ?? 0));
  }

  /** The progress after `updates`, without changing this one. */
  plan(updates: ReadonlyMap<string, OriginUpdate>): Map<string, OriginProgress> {
    const planned = new Map<string, OriginProgress>();
    for (const [origin, update] of updates) {
      const current = this.origins.get(origin) ?? { applied: 0, above: new Set<number>() };
      let applied = Math.max(current.applied, update.through ?? 0);
      const above = new Set([...current.above, ...update.held]);
      for (const seq of above) if (seq <= applied) above.delete(seq);
      while (above.delete(applied + 1)) applied++;
      planned.set(origin, { applied, above });
    }
    return planned;
  }

  /** Takes a planned progress once it is committed. */
  adopt(planned: ReadonlyMap<string, OriginProgress>): void {
    for (const [origin, progress] of planned) this.origins.set(origin, progress);
  }
}

export function highestOf(progress: OriginProgress): number {
  let max = progress.applied;
  for (const seq of progress.above) if (seq > max) max = seq;
  return max;
}
