/**
 * A hybrid logical clock (Kulkarni et al.): stamps that follow wall time but never go backwards
 * and always exceed every stamp this node has seen, so a change made after receiving another
 * orders after it even when the two nodes' clocks disagree.
 *
 * A stamp packs milliseconds since the epoch and a 16-bit counter into one bigint:
 * `wall << 16 | counter`. It fits PostgreSQL's `bigint` until the year 6429.
 */
export class HybridClock {
  private last = 0n;

  /**
   * @param maxDriftMs a peer's stamp further ahead of this node's wall clock than this is only
   *   followed up to the limit, so one node with a wrong clock cannot drag the mesh into the future.
   */
  constructor(
    private readonly wallClock: () => number = Date.now,
    private readonly maxDriftMs = 60_000,
  ) {}

  /** A new stamp, greater than every stamp issued or observed before. */
  now(): bigint {
    const wall = BigInt(this.wallClock()) << COUNTER_BITS;
    this.last = wall > this.last ? wall : this.last + 1n;
    return this.last;
  }

  /** Takes a stamp received from a peer into account. */
  observe(stamp: bigint): void {
    const limit = BigInt(this.wallClock() + this.maxDriftMs) << COUNTER_BITS;
    const bounded = stamp < limit ? stamp : limit;
    if (bounded > this.last) this.last = bounded;
  }
}

const COUNTER_BITS = 16n;

/** The stamp of the first instant of `ms` (milliseconds since the epoch). */
export function stampAt(ms: number): bigint {
  return BigInt(Math.floor(ms)) << COUNTER_BITS;
}

/** The wall time a stamp was taken at. */
export function wallTimeOf(stamp: bigint): Date {
  return new Date(Number(stamp >> COUNTER_BITS));
}
