import type { MeshNodeConfig } from '../link/link-bench.types.js';

/** How the orchestrator configures one node of the mesh. */
export interface ScaleNodeConfig {
  /** The process exits after this long whatever happens. */
  limitMs: number;
  mesh: MeshNodeConfig;
  /** A license for enough links (the evaluation allows 2) and the key it is signed with. */
  license: string;
  licensePublicKey: string;
}

export interface Peer {
  host: string;
  port: number;
}

/** One step of a node; each reports one `result`, in the order sent. */
export type ScaleStep =
  /** GC, then the process's memory. */
  | { do: 'memory' }
  /** Adds every peer as a fixed node and waits until all are linked. */
  | { do: 'link'; peers: Peer[]; limitMs: number }
  /** Starts counting fan-out messages afresh. */
  | { do: 'arm' }
  /** `LinkService.broadcast` of `count` messages, one after the other (fewer at the time limit). */
  | { do: 'broadcast'; count: number; timeLimitMs: number }
  /** Waits until `expected` fan-out messages have arrived since `arm`, at most `limitMs`. */
  | { do: 'collect'; expected: number; limitMs: number };

/** `process.memoryUsage()` after a full GC, in bytes, and the links up at that moment. */
export interface MemorySample {
  rss: number;
  /** The parts of RSS (/proc/self/status): anonymous memory, and pages of mapped files (code). */
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  external: number;
  links: number;
}

export interface LinkStepResult {
  /** When the node had a link to every peer (epoch ms); undefined at the limit. */
  fullAt?: number;
  links: number;
  /** `mesh.link.up` events meanwhile: above the peer count when duplicate dials were resolved. */
  linkUps: number;
  /** Failed dials and refused inbound links meanwhile, by `direction reason`. */
  failures: Record<string, number>;
}

export interface BroadcastStepResult {
  sent: number;
  /** Σ receivers over the sent messages: the deliveries the receivers should count. */
  deliveries: number;
  startedAt: number;
  endedAt: number;
}

export interface CollectStepResult {
  received: number;
  /** Messages that were no call-state change. */
  invalid: number;
  firstAt?: number;
  lastAt?: number;
  /** Links that went down since `arm`, by reason: messages on their way over them are lost. */
  linkDowns: Record<string, number>;
}
