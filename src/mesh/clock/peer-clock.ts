import { LINK_DEFAULTS } from '../link/link-defaults.js';

/** The clock a node measures its peers' clocks against, and the offset it tolerates. */
export interface PeerClock {
  /** This node's wall clock, milliseconds since the epoch. */
  now: () => number;
  /** A peer whose clock is certainly further off than this, either way, is refused (`clock-skew`). */
  maxOffsetMs: number;
}

/**
 * The clock settings of MeshModuleOptions, with their defaults.
 * @throws Error naming the option when `maxClockOffsetMs` is not a positive number.
 */
export function peerClock(options: { now?: () => number; maxClockOffsetMs?: number }): PeerClock {
  const maxOffsetMs = options.maxClockOffsetMs ?? LINK_DEFAULTS.maxClockOffsetMs;
  if (!(maxOffsetMs > 0)) {
    throw new Error(`maxClockOffsetMs must be a positive number of milliseconds, got ${maxOffsetMs}`);
  }
  return { now: options.now ?? Date.now, maxOffsetMs };
}
