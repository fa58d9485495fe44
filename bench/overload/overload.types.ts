import type { MeshNodeConfig } from '../link/link-bench.types.js';

/**
 * The senders under overload: a mesh link with either backpressure policy, the
 * `@nestjs/microservices` TCP client's `emit` fired without waiting for anything, and a plain
 * socket whose `write()` return value is ignored.
 */
export type OverloadStack = 'mesh-tcp-wait' | 'mesh-tcp-reject' | 'nest-tcp-emit' | 'raw-write';
export const OVERLOAD_STACKS: readonly OverloadStack[] = [
  'mesh-tcp-wait',
  'mesh-tcp-reject',
  'nest-tcp-emit',
  'raw-write',
];
export const isMeshStack = (stack: OverloadStack): boolean => stack.startsWith('mesh-');

/** The receiver's handler: asynchronous, `concurrency` calls at a time, each `delayMs` long. */
export interface SlowHandlerConfig {
  concurrency: number;
  delayMs: number;
}

export interface OverloadReceiverConfig {
  /** The process exits after this long whatever happens. */
  limitMs: number;
  handler: SlowHandlerConfig;
  /** Above this resident size the receiver reports at once: the run hit the cap. */
  rssCapBytes: number;
  /** After the sender's count is known, the rest may arrive for this long at most. */
  drainLimitMs: number;
  mesh?: MeshNodeConfig;
}

export interface OverloadSenderConfig {
  limitMs: number;
  /** The receiver's port on 127.0.0.1. */
  port: number;
  /** The receiver's node ID (mesh only). */
  nodeId?: string;
  /** The receiver's process: the sender stops when it passes `rssCapBytes` too. */
  receiverPid: number;
  /** Messages the sender tries to send at most. */
  attempts: number;
  /** Sending stops at this time even when `attempts` is not reached. */
  timeLimitMs: number;
  rssCapBytes: number;
  /** Mesh only: the link's backpressure policy. */
  backpressure?: 'wait' | 'reject';
  mesh?: MeshNodeConfig;
}

/** Why the sender stopped: all attempts made, the time limit, or a process over the RSS cap. */
export type SenderStop = 'attempts' | 'time' | 'sender-rss-cap' | 'receiver-rss-cap';
export const hitRssCap = (stop: SenderStop): boolean =>
  stop === 'sender-rss-cap' || stop === 'receiver-rss-cap';

export interface OverloadSenderResult {
  /** Messages offered to the stack. */
  attempted: number;
  /** Taken by the stack (`send` resolved, `emit` called, `write` called). */
  accepted: number;
  /** Refused with a BackpressureError (mesh `reject`); attempted = accepted + rejected. */
  rejected: number;
  /** Of the sending loop. */
  seconds: number;
  stoppedBy: SenderStop;
  /** At the cap the sender drops what its stack still holds (closes the socket), as a killed process would. */
  droppedBacklog: boolean;
  /** The link's transport (mesh only). */
  transport?: 'tls' | 'tcp';
}

/** Why the receiver reported: everything arrived, nothing more came, the drain limit, or the RSS cap. */
export type ReceiverStop = 'all-received' | 'stalled' | 'drain-limit' | 'rss-cap';

export interface OverloadReceiverResult {
  /** Messages the slow handler finished. */
  received: number;
  /** Ill-formed payloads (should stay 0). */
  invalid: number;
  /** From the first to the last message handled. */
  seconds: number;
  /** Handled per second: the consumer's pace. */
  messagesPerSecond: number;
  /** Most handler calls waiting for a slot at once: what the receiver queued in memory. */
  peakWaiting: number;
  /** Handler calls still waiting when the receiver reported: part of what the run lost. */
  waitingAtEnd: number;
  stoppedBy: ReceiverStop;
}
