/**
 * The stamps a message carries for measuring clocks, as NTP's symmetric mode does (RFC 5905 §8):
 * every stamp is milliseconds since the epoch by one node's wall clock.
 */
export interface ClockStamps {
  /** When the sender sent this message, by the sender's clock. */
  transmit: number;
  /** The `transmit` of the receiver's last stamped message, echoed back; absent before there is one. */
  origin?: number;
  /** When that message of the receiver's arrived at the sender, by the sender's clock. */
  receive?: number;
}

/** One measurement of a peer's clock against this node's. */
export interface ClockSample {
  /** The peer's clock minus this node's: positive when the peer's clock is ahead. */
  offsetMs: number;
  /** The round trip without the time the peer held this node's message. */
  rttMs: number;
}

/**
 * The peer's clock offset and the round trip, from a message that answers one of this node's
 * (NTP's on-wire calculation): this node sent at `origin`, the peer received it at `receive` and
 * answered at `transmit`, the answer arrived at `arrival`. The offset is off by at most half the
 * round trip (if all the delay fell on one direction). Undefined when the message answers nothing
 * yet, or when the stamps cannot be right (a negative round trip or hold: a clock stepped meanwhile).
 */
export function clockSample(stamps: ClockStamps, arrival: number): ClockSample | undefined {
  const { origin, receive, transmit } = stamps;
  if (origin === undefined || receive === undefined) return undefined;
  const held = transmit - receive;
  const rttMs = arrival - origin - held;
  if (!(held >= 0 && rttMs >= 0)) return undefined;
  return { offsetMs: (receive - origin + (transmit - arrival)) / 2, rttMs };
}

/** Whether a value from the wire can be a stamp: a finite, non-negative number of milliseconds. */
export function isStamp(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER
  );
}
