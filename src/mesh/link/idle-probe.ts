/** An idle link probes at most this rarely, however many links share the budget. */
export const MAX_IDLE_PROBE_MS = 30_000;

/**
 * How long a quiet link waits before it probes its peer. A node opens about `probesPerSecond`
 * probe exchanges per second over all its `links`, so the idle cost per node stays flat as the
 * mesh grows (until MAX_IDLE_PROBE_MS) and the time to notice a frozen idle peer grows instead;
 * never below a third of the liveness timeout, which small meshes keep.
 */
export function idleProbeIntervalMs(
  links: number,
  probesPerSecond: number,
  livenessTimeoutMs: number,
): number {
  const shared = (Math.max(1, links) * 1000) / probesPerSecond;
  return Math.max(livenessTimeoutMs / 3, Math.min(MAX_IDLE_PROBE_MS, shared));
}
