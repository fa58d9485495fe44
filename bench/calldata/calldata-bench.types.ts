import type { LatencySummary } from '../common/stats.js';

/** How a benchmark process assembles its node: MeshModule + CallDataModule on a database of its own. */
export interface CallDataNodeConfig {
  databaseUrl: string;
  dataDir: string;
  /** MeshModule's `enabled`: false = the mesh is off, `set` only writes locally. */
  meshEnabled: boolean;
}

/**
 * - `local`: `set` as fast as `concurrency` callers can, no peer (mesh off or alone);
 * - `replicated`: the same with a linked receiver node;
 * - `lag`: `rate` sets per second, started on schedule whatever is still in flight.
 */
export type SenderMode = 'local' | 'replicated' | 'lag';

export interface CallDataSenderConfig {
  /** The process exits after this long whatever happens. */
  limitMs: number;
  mode: SenderMode;
  node: CallDataNodeConfig;
  /** The receiver's port on 127.0.0.1 (`replicated` and `lag`). */
  port?: number;
  /** The receiver's node ID (`replicated` and `lag`). */
  nodeId?: string;
  /** Sets in all, the warm-up included. */
  count: number;
  /** Sets in flight at once (`local`, `replicated`). */
  concurrency: number;
  /** Sets per second (`lag`). */
  rate: number;
  /** Sets before the measured ones (`lag`); the receiver leaves their lag out. */
  warmup: number;
  /** Calls put into the node's tables before the measured part, then `ANALYZE` (see prefill.ts). */
  prefill: number;
  /** Starting sets stops at this time even when `count` is not reached. */
  timeLimitMs: number;
}

export interface CallDataReceiverConfig {
  limitMs: number;
  node: CallDataNodeConfig;
  /** Sets the sender will try to make (it may stop earlier at its time limit). */
  count: number;
  /** The first `warmup` calls (by index) are left out of the lag. */
  warmup: number;
  /** After the sender's final count is known, missing updates are awaited this long at most. */
  drainLimitMs: number;
  /** Calls put into the node's tables before the measured part, then `ANALYZE` (see prefill.ts). */
  prefill: number;
}

export interface SenderResult {
  /** Sets that resolved. */
  sets: number;
  /** Sets that were rejected (should stay 0). */
  failed: number;
  /** From the start of the first set to the resolution of the last, in s. */
  seconds: number;
  setsPerSecond: number;
  /** Wall time (ms since the epoch, sub-ms) when the first set started. */
  firstStartedAt: number;
  /** `set` from call to resolution, in µs (`lag` mode: the measured sets only). */
  setLatencyUs: LatencySummary;
  /** CPU time of the sender process over the sets, in cores (1 = one core busy). */
  cpu: number;
  /** Share of that time the sender's event loop was busy (0–1). */
  eventLoop: number;
  /** Garbage collection pauses of the sender over the sets, in ms. */
  gcMs: number;
  /** Bytes of a set's fields: names and values, UTF-8. */
  fieldBytes: number;
}

export interface ReceiverResult {
  /** `calldata.updated` events with `source: 'remote'`. */
  updates: number;
  /** Updates that did not carry the benchmark's fields (should stay 0). */
  invalid: number;
  /** Wall time (ms since the epoch) of the first and the last update. */
  firstAt: number;
  lastAt: number;
  /** Update time minus the `sentAt` field (when the sender called `set`), in µs. */
  lagUs: LatencySummary;
  /** CPU time of the receiver process from the first to the last update, in cores. */
  cpu: number;
  eventLoop: number;
  gcMs: number;
}
