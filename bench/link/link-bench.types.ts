import type { LatencySummary } from '../common/stats.js';

/**
 * What carries the messages: a plain socket, the `@nestjs/microservices` TCP transport, or a UC Mesh
 * link without or with TLS.
 */
export type Stack = 'raw' | 'nest-tcp' | 'mesh-tcp' | 'mesh-tls';
export const STACKS: readonly Stack[] = ['raw', 'nest-tcp', 'mesh-tcp', 'mesh-tls'];
/** The stacks that are UC Mesh links: only they have link setups and a negotiated transport. */
export const MESH_STACKS: readonly Stack[] = ['mesh-tcp', 'mesh-tls'];

/** How a benchmark process assembles its mesh node. */
export interface MeshNodeConfig {
  databaseUrl: string;
  dataDir: string;
  encryption: 'none' | 'starttls-optional';
}

export interface ReceiverConfig {
  /** The process exits after this long whatever happens. */
  limitMs: number;
  /**
   * `sink` counts one-way messages; `echo` answers requests; `accept` takes links (setups) and
   * does not dial the sender back.
   */
  mode: 'sink' | 'echo' | 'accept';
  /** Messages the sender will try to send (it may stop earlier at its time limit). */
  count: number;
  mesh?: MeshNodeConfig;
}

export interface SenderConfig {
  limitMs: number;
  /**
   * `throughput`: one-way messages; `round-trip`: one request in flight; `pipelined`: `inFlight`
   * requests outstanding; `setup`: link setups (mesh only); `bulk-round-trip`: one request in
   * flight while 4 MiB messages stream back to back on the same link (mesh only).
   */
  mode: 'throughput' | 'round-trip' | 'pipelined' | 'setup' | 'bulk-round-trip';
  /** The receiver's port on 127.0.0.1. */
  port: number;
  /** The receiver's node ID (mesh only). */
  nodeId?: string;
  /** Messages, measured requests, or link setups. */
  count: number;
  /** Requests before the measured ones. */
  warmup: number;
  /** Requests outstanding at once in `pipelined` mode. */
  inFlight: number;
  /** Sending stops at this time even when `count` is not reached. */
  timeLimitMs: number;
  mesh?: MeshNodeConfig;
}

/** What the mesh link negotiated (mesh stacks only). */
interface SenderTransport {
  transport?: 'tls' | 'tcp';
}

export interface ThroughputSenderResult extends SenderTransport {
  sent: number;
  seconds: number;
  /** CPU time of the sender process over the send loop, in cores (1 = one core busy). */
  cpu: number;
  /** Share of the send loop's time the sender's event loop was busy (0–1). */
  eventLoop: number;
  /** Garbage collection pauses of the sender over the send loop, in ms. */
  gcMs: number;
}

export interface ThroughputReceiverResult {
  received: number;
  /** Ill-formed payloads received (should stay 0). */
  invalid: number;
  /** From the first to the last message received. */
  seconds: number;
  messagesPerSecond: number;
  /** CPU time of the receiver process from the first to the last message, in cores. */
  cpu: number;
  /** Share of that time the receiver's event loop was busy (0–1). */
  eventLoop: number;
  /** Garbage collection pauses of the receiver over that time, in ms. */
  gcMs: number;
}

export interface RoundTripResult extends SenderTransport {
  latencyUs: LatencySummary;
  seconds: number;
  /** CPU time of the sender over the measured round trips, in cores. */
  cpu: number;
  eventLoop: number;
  gcMs: number;
}

/** Round trips measured while 4 MiB messages stream on the same link. */
export interface BulkRoundTripResult extends RoundTripResult {
  /** Bulk messages sent over the run (warm-up included). */
  bulkMessages: number;
  /** Of bulk data over the run. */
  bulkMiBPerSecond: number;
}

/** 4-byte length + JSON of the echo request and answer on the raw socket. */
export interface EchoFrame {
  id: number;
  payload: unknown;
}

export interface PipelinedResult extends SenderTransport {
  /** Measured requests answered. */
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** CPU time of the sender over the measured requests, in cores. */
  cpu: number;
  eventLoop: number;
  gcMs: number;
}

export interface SetupResult extends SenderTransport {
  /** Links set up, used for nothing, and closed (by both sides) before the next. */
  setups: number;
  seconds: number;
  /** Complete cycles (dial, handshake, close) per second. */
  setupsPerSecond: number;
  /** From `connect` until the link is up: TCP, STARTTLS (tls), authentication. */
  setupMs: LatencySummary;
  /** Measured attempts that did not bring the link up (not counted in `setups`). */
  failed: number;
  /** Setups whose connections were not all closed 2 s after the link was closed. */
  slowClose: number;
  /** `deriveMeshKey` (scrypt), one call after the other, in ms each. */
  keyDerivationMs: number[];
}
