/** Liveness ticks per liveness timeout: a tick is a sixth of it. */
export const TICKS_PER_TIMEOUT = 6;
/**
 * A side still waiting for a sign of life this many ticks after it sent data probes (its data may
 * sit behind the peer's reading); a side holding its peer back pings this often; and the shortest
 * quiet before an idle probe.
 */
export const PROBE_TICKS = 2;

/** What a link does at a tick: nothing, probe the peer, or give it up for dead. */
export type LivenessAction = 'none' | 'probe' | 'dead';

/**
 * The liveness rule of one link, counted in ticks, apart from its socket. A side that sent data or
 * a probe expects a sign of life (anything at all) within the timeout; the peer answers a probe
 * at once, and a side that waited PROBE_TICKS for one probes. A link carrying traffic therefore
 * notices a dead peer within the timeout, and a quiet link costs one probe exchange per
 * `probeTicks` instead of pings every tick: it notices a frozen peer within that plus the timeout.
 * Answers to probes call for nothing, or two idle sides would keep answering each other.
 */
export class Liveness {
  private sent = false;
  private received = false;
  /** Ticks waited for a sign of life since this side called for one; undefined when not waiting. */
  private waitingTicks?: number;
  /** Ticks in a row in which this side sent nothing. */
  private idleTicks = 0;
  /** Ticks in a row in which nothing was sent or received. */
  private quietTicks = 0;
  private ticksSincePing = 0;
  /** Another node lost this peer: probe at the next tick rather than after the idle quiet. */
  private suspected = false;

  /** `stamped`: the link's pings carry clock stamps, which a busy link keeps fresh. */
  constructor(private readonly stamped: boolean) {}

  /** Whether this side sent anything since the last tick (its frame reaches the peer too). */
  get sentThisTick(): boolean {
    return this.sent;
  }

  /** This side wrote a frame; `callsForAnswer` is false for answers to probes and for closes. */
  wrote(callsForAnswer: boolean): void {
    this.sent = true;
    if (callsForAnswer) this.waitingTicks ??= 0;
  }

  /** This side wrote a ping (a probe or an answer). */
  pinged(): void {
    this.ticksSincePing = 0;
    this.idleTicks = 0;
    this.quietTicks = 0;
  }

  /**
   * Someone else says the peer stopped answering: probe at the next tick unless this side waits
   * for a sign of life already. Answers whether that probe is owed to the suspicion.
   */
  suspect(): boolean {
    if (this.waitingTicks !== undefined) return false;
    this.suspected = true;
    return true;
  }

  /** Anything arrived from the peer. */
  heard(): void {
    this.received = true;
    this.waitingTicks = undefined;
  }

  /**
   * One tick. `paused`: this side holds the peer back (stopped reading), so the peer's silence is
   * this side's doing. `probeTicks`: the quiet after which an idle link probes. After a 'probe'
   * the caller writes the probe; `endTick` then closes the tick.
   */
  tick(paused: boolean, probeTicks: number): LivenessAction {
    const received = this.received;
    this.received = false;
    if (paused) this.waitingTicks = undefined;
    else if (this.waitingTicks !== undefined && ++this.waitingTicks >= TICKS_PER_TIMEOUT) return 'dead';
    this.idleTicks = this.sent ? 0 : this.idleTicks + 1;
    this.quietTicks = this.sent || received ? 0 : this.quietTicks + 1;
    this.ticksSincePing++;
    const suspected = this.suspected && this.waitingTicks === undefined;
    this.suspected = false;
    const probe =
      suspected ||
      this.quietTicks >= Math.max(PROBE_TICKS, probeTicks) ||
      // Data out, nothing back: is the peer there? Once per PROBE_TICKS, not every tick.
      ((this.waitingTicks ?? 0) >= PROBE_TICKS && this.ticksSincePing >= PROBE_TICKS) ||
      // Holding the peer back: it must still hear from this side.
      (paused && this.idleTicks >= PROBE_TICKS) ||
      // A busy link needs no ping for liveness, but one per timeout keeps its clock measured.
      (this.stamped && this.quietTicks === 0 && this.ticksSincePing >= TICKS_PER_TIMEOUT);
    return probe ? 'probe' : 'none';
  }

  /** Ends a tick: the tick's own probe does not count as sent in the next one. */
  endTick(): void {
    this.sent = false;
  }
}
