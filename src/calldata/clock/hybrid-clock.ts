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
    readonly maxDriftMs = HLC_MAX_DRIFT_MS,
  ) {}

  /** A new stamp, greater than every stamp issued or observed before. */
  now(): bigint {
    const wall = BigInt(this.wallClock()) << COUNTER_BITS;
    this.last = wall > this.last ? wall : this.last + 1n;
    return this.last;
  }

  /**
   * A new stamp, also above `floor` (the stamp of what the write overwrites) as far as the drift
   * bound allows — so a write wins over the value it replaces (read-your-writes).
   */
  nowAfter(floor: bigint): bigint {
    const stamp = this.now();
    if (stamp > floor) return stamp;
    this.observe(floor + 1n);
    return this.now();
  }

  /** Takes a stamp received from a peer into account. */
  observe(stamp: bigint): void {
    const limit = this.limit();
    const bounded = stamp < limit ? stamp : limit;
    if (bounded > this.last) this.last = bounded;
  }

  /**
   * Continues from a stamp this node issued or observed before a restart (bounded like `observe`),
   * so the clock does not run backwards when the wall clock did.
   */
  restore(stamp: bigint): void {
    this.observe(stamp);
  }

  /** The stamp of the wall clock now, without the counter or what was observed. */
  wall(): bigint {
    return stampAt(this.wallClock());
  }

  /** The greatest stamp taken from a peer now: the wall clock plus the drift bound. */
  limit(): bigint {
    return BigInt(Math.floor(this.wallClock() + this.maxDriftMs)) << COUNTER_BITS;
  }
}

const COUNTER_BITS = 16n;

/** How far ahead of this node's clock a peer's stamp may be: further ahead, it is refused. */
export const HLC_MAX_DRIFT_MS = 60_000;

/** The stamp of the first instant of `ms` (milliseconds since the epoch). */
export function stampAt(ms: number): bigint {
  return BigInt(Math.floor(ms)) << COUNTER_BITS;
}

/** The wall time a stamp was taken at. */
export function wallTimeOf(stamp: bigint): Date {
  return new Date(Number(stamp >> COUNTER_BITS));
}
