import { ClockEstimate } from './clock-estimate.js';
import { clockSample, type ClockStamps } from './clock-sample.js';
import { clockSkew, type ClockSkew } from './clock-skew.js';
import type { PeerClock } from './peer-clock.js';

/**
 * This node's half of the clock measurement with one peer, NTP's symmetric mode: each outgoing
 * stamped message (handshake message or ping) answers the peer's last one, and each of the peer's
 * that answers one of ours is a sample. Pure: the clock is `settings.now`, messages are passed in.
 */
export class ClockExchange {
  private readonly estimate = new ClockEstimate();
  /** The peer's last stamped message: its transmit stamp and when it arrived here. */
  private echo?: { transmit: number; arrival: number };

  constructor(readonly settings: PeerClock) {}

  /** Stamps for a message about to be sent. */
  stamps(): ClockStamps {
    const transmit = this.settings.now();
    const echo = this.echo;
    return echo ? { transmit, origin: echo.transmit, receive: echo.arrival } : { transmit };
  }

  /** The stamps of a message from the peer that arrived at `arrival` (by this node's clock). */
  received(stamps: ClockStamps, arrival: number): void {
    this.echo = { transmit: stamps.transmit, arrival };
    const sample = clockSample(stamps, arrival);
    if (sample) this.estimate.add(sample);
  }

  /** The skew when the peer's clock is certainly beyond the limit, else undefined. */
  skew(): ClockSkew | undefined {
    return clockSkew(this.estimate, this.settings.maxOffsetMs);
  }

  /** The peer's clock minus this node's in ms; undefined before a sample. */
  get offsetMs(): number | undefined {
    return this.estimate.offsetMs;
  }

  /** Smoothed round trip in ms; undefined before a sample. */
  get rttMs(): number | undefined {
    return this.estimate.rttMs;
  }

  /** Shortest recent round trip in ms (`ClockEstimate.floorRttMs`); undefined before a sample. */
  get floorRttMs(): number | undefined {
    return this.estimate.floorRttMs;
  }
}
