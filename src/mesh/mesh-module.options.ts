import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EncryptionMode } from './link/encryption-mode.js';

/**
 * Settings of the mesh on this node; checked at start (an unknown key or a wrong type stops the
 * application, naming the option). Defaults: `MESH_DEFAULTS` in mesh-config.ts.
 */
export interface MeshModuleOptions {
  /** Computer name this node advertises to its peers. */
  host: string;
  /** Port of the clients network interface; 0 picks a free one. Default 7222. */
  port?: number;
  /** Listen address of the clients network interface. Default `0.0.0.0`. */
  bind?: string;
  /**
   * Open the clients network interface on `port`. `false`: the application owns that port (the one
   * its UC clients use) and hands mesh connections over with `LinkService.acceptSocket`; `port`
   * is then only advertised. Default true.
   */
  listen?: boolean;
  /** Master switch; can be changed at runtime. Default true. */
  enabled?: boolean;
  /** Initial mesh ID and password; runtime changes through the admin API win. */
  meshId?: string;
  password?: string;
  /** Default `starttls-optional`. */
  encryption?: EncryptionMode;
  /** PEM file paths; without cert/key a self-signed pair is generated. */
  tls?: { certFile?: string; keyFile?: string; caFile?: string };
  /**
   * How often the TLS files are checked for new material, which new links then use (existing
   * links keep theirs until they reconnect); 0 = never. Default 5000.
   */
  tlsReloadIntervalMs?: number;
  /** Search the LAN for nodes at an interval. Default true. */
  discovery?: boolean;
  /** Default 5000. */
  discoveryIntervalMs?: number;
  /** IPv4 address of the interface to search on; default all non-internal IPv4 interfaces. */
  discoveryInterface?: string;
  /** License token (CONTRACT §5); an installed one (admin API) wins. None ⇒ 30-day evaluation. */
  license?: string;
  /** The vendor's Ed25519 public key: PEM text or the path of a PEM file. */
  licensePublicKey?: string;
  /** Folder for generated material (self-signed certificate). Default `data`. */
  dataDir?: string;
  /** Addresses to keep linked from the start (the standalone node's `MESH_PEERS`). */
  peers?: Array<{ host: string; port: number }>;
  /**
   * A peer that sends nothing for this long after this node sent it data or a probe is dead
   * (`timeout`). Default 3000.
   */
  livenessTimeoutMs?: number;
  /**
   * Probe exchanges per second this node opens over all its idle links: a quiet link probes after
   * `links / idleProbesPerSecond` seconds (at least `livenessTimeoutMs / 3`, at most 30 s), so a
   * node's idle traffic does not grow with the mesh. A frozen idle peer is noticed by the first
   * node whose probe meets it within that interval plus `livenessTimeoutMs`; every other node
   * probes it as soon as it learns of that (the topology), and so notices it within
   * `livenessTimeoutMs` more. 0.01 – 10000. Default 1.
   */
  idleProbesPerSecond?: number;
  /** Limit for connect + handshake. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Default timeout of `request`. Default 5000. */
  requestTimeoutMs?: number;
  /** Largest frame accepted. Default 4 MiB. */
  maxFrameBytes?: number;
  /** Unsent bytes per link above which `send` applies backpressure. Default 1 MiB. */
  highWaterBytes?: number;
  /** Unsent bytes per link never exceeded: `send` fails with BackpressureError. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Over `highWaterBytes`: `wait` resolves `send` on drain; `reject` fails at once. Default `wait`. */
  backpressure?: 'wait' | 'reject';
  /**
   * Asynchronous handler calls (messages and requests) in progress per link above which the link
   * stops reading from the peer until half of them have finished: TCP then slows the sender down,
   * whose `send` waits or fails by its `backpressure` policy. Default 1024.
   */
  maxHandlersInProgress?: number;
  /** Handshakes in progress at once; more connections are refused. Default 256. */
  maxPendingHandshakes?: number;
  /**
   * Accept links from authenticated nodes that are not in the list (they are then listed as
   * discovered) and learn the members of the mesh from linked nodes, whether or not the search
   * runs: one member's address then joins the whole mesh. Seeds the `acceptUnknown` setting
   * (changed at runtime through the admin API). Default true; false: only listed nodes link,
   * others get `not-known-remote`.
   */
  acceptUnknownPeers?: boolean;
  /** Reconnect backoff bounds. Defaults 1000 and 30000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * A peer whose clock is further off than this, either way, is refused with reason `clock-skew`
   * on both sides, at the handshake and whenever the pings measure it later (the maximum clock
   * offset of CockroachDB). Default 30000: half of CallData's 60 s drift bound, so a linked
   * peer's stamps always stay well inside what CallData accepts.
   */
  maxClockOffsetMs?: number;
  /**
   * How long a node's entries of `MeshStateService` stay after its link was lost: a link back
   * within it keeps them, otherwise they go on every node with `mesh.state.changed` reason
   * `node-left`. A node that left on purpose (unchecked, removed, disabled, re-keyed) goes at once;
   * 0: every loss at once. Default 10000.
   */
  stateGraceMs?: number;
  /**
   * The protocol versions this node speaks, within those of the build (`PROTOCOL_VERSIONS`): a
   * narrower range pins a node during a rolling upgrade (and lets tests play an older build).
   * Peers whose range does not overlap fail with `version-mismatch`. Default: the build's range.
   */
  protocolVersions?: { min?: number; max?: number };
  /** The wall clock peers' clocks are measured against (ms since the epoch). Default `Date.now`. */
  now?: () => number;
}

export const {
  ConfigurableModuleClass: ConfigurableMeshModule,
  MODULE_OPTIONS_TOKEN: MESH_MODULE_OPTIONS,
  OPTIONS_TYPE: MESH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MESH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MeshModuleOptions>().setClassMethodName('forRoot').build();
