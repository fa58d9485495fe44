import type { MeshConfig } from '../mesh-config.js';

/** The clock a node measures its peers' clocks against, and the offset it tolerates. */
export interface PeerClock {
  /** This node's wall clock, milliseconds since the epoch. */
  now: () => number;
  /** A peer whose clock is certainly further off than this, either way, is refused (`clock-skew`). */
  maxOffsetMs: number;
}

/** The clock settings of the resolved configuration (`now` defaults to `Date.now`). */
export function peerClock(config: Pick<MeshConfig, 'now' | 'maxClockOffsetMs'>): PeerClock {
  return { now: config.now ?? Date.now, maxOffsetMs: config.maxClockOffsetMs };
}
