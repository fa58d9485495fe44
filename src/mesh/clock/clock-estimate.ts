import type { ClockSample } from './clock-sample.js';

/** Samples kept: NTP's clock filter keeps the last eight. */
const WINDOW = 8;
/** Weight of a new round trip in the smoothed one (TCP's SRTT gain, RFC 6298). */
const RTT_GAIN = 1 / 8;

/**
 * A peer's clock offset from the samples of the handshake and the pings. The offset is that of the
 * sample with the shortest round trip among the last few (NTP's clock filter): its error is
 * smallest, so one delayed message cannot fake a skew. The round trip shown is smoothed.
 */
export class ClockEstimate {
  private readonly samples: ClockSample[] = [];
  private smoothedRtt?: number;

  add(sample: ClockSample): void {
    this.samples.push(sample);
    if (this.samples.length > WINDOW) this.samples.shift();
    this.smoothedRtt =
      this.smoothedRtt === undefined
        ? sample.rttMs
        : this.smoothedRtt + (sample.rttMs - this.smoothedRtt) * RTT_GAIN;
  }

  /** The peer's clock minus this node's (positive: the peer is ahead); undefined before a sample. */
  get offsetMs(): number | undefined {
    return this.best()?.offsetMs;
  }

  /** How far the offset may be off: half the round trip of the sample it comes from. */
  get uncertaintyMs(): number | undefined {
    const best = this.best();
    return best && best.rttMs / 2;
  }

  /** Smoothed round trip; undefined before a sample. */
  get rttMs(): number | undefined {
    return this.smoothedRtt;
  }

  /**
   * The shortest round trip of the last few samples: what the network gives, without the queueing
   * of a busy process (which only ever adds). Steady where the smoothed one swings with the load.
   */
  get floorRttMs(): number | undefined {
    return this.best()?.rttMs;
  }

  private best(): ClockSample | undefined {
    let best: ClockSample | undefined;
    for (const sample of this.samples) if (!best || sample.rttMs < best.rttMs) best = sample;
    return best;
  }
}
