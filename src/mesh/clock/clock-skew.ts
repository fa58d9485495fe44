import { LinkFailure } from '../link/link-reason.js';
import type { ClockEstimate } from './clock-estimate.js';

/** A peer's clock too far off, in words for each side. */
export interface ClockSkew {
  /** The peer's clock minus this node's. */
  offsetMs: number;
  /** For this node's status and log. */
  message: string;
  /** For the peer's: the same finding from its side. */
  peerMessage: string;
}

/**
 * The maximum-offset rule (as CockroachDB's `--max-offset`): a peer's clock is refused only when
 * it is certainly beyond the limit, i.e. even the most favourable reading of the measurement (the
 * offset moved by its uncertainty towards zero) exceeds `maxOffsetMs`. Undefined while there is
 * no measurement (a peer that sends no stamps) or while the peer is within the limit.
 */
export function clockSkew(
  estimate: Pick<ClockEstimate, 'offsetMs' | 'uncertaintyMs'>,
  maxOffsetMs: number,
): ClockSkew | undefined {
  const offsetMs = estimate.offsetMs;
  if (offsetMs === undefined || Math.abs(offsetMs) - (estimate.uncertaintyMs ?? 0) <= maxOffsetMs) {
    return undefined;
  }
  const by = `${(Math.abs(offsetMs) / 1000).toFixed(1)} s`;
  const limit = `${maxOffsetMs / 1000} s`;
  const [there, here] = offsetMs > 0 ? ['ahead of', 'behind'] : ['behind', 'ahead of'];
  return {
    offsetMs,
    message: `the peer's clock is ${by} ${there} this node's (limit ${limit})`,
    peerMessage: `the peer's clock is ${by} ${here} this node's (the peer's limit ${limit})`,
  };
}

/** The failure this node shows for a skewed peer, with the measured offset. */
export function clockSkewFailure(skew: ClockSkew): LinkFailure {
  return new LinkFailure('clock-skew', skew.message, skew.offsetMs);
}
