import { wallTimeOf } from '../../calldata/internal.js';

/**
 * Buckets of the replication lag, in seconds: milliseconds on a healthy LAN up to hours for a node
 * that catches up after an outage.
 */
export const REPLICATION_LAG_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600,
];

/**
 * Seconds from a change's hybrid-clock stamp to its commit on this node. Never negative: a stamp
 * can run ahead of this node's wall clock (the origin's clock, or stamps it followed, are ahead).
 */
export function replicationLagSeconds(stamp: bigint, committedAtMs: number): number {
  return Math.max(0, committedAtMs - wallTimeOf(stamp).getTime()) / 1000;
}
