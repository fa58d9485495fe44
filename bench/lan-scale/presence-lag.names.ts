/** The node-owned map a UC server keeps its users' presence in (as examples/host-app does). */
export const PRESENCE_MAP = 'presence';
/** Histogram on each receiver: from the owner's `set` to the entry's arrival here. */
export const PRESENCE_LAG = 'bench_presence_lag_seconds';
/** Where a bench presence node answers its histogram, in the Prometheus text format. */
export const PRESENCE_METRICS_PATH = '/bench/presence/metrics';
