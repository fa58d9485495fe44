/** How the orchestrator configures one node on the test LAN. */
export interface DiscoveryNodeConfig {
  /** The process exits after this long whatever happens. */
  limitMs: number;
  /** This host's folder: its own PostgreSQL cluster (as a standalone node has) and data folder. */
  hostDir: string;
  /** A new database on that cluster: a new node identity that nobody knows yet. */
  database: string;
  /** The host's LAN address: advertised, and the interface the search runs on. */
  address: string;
  port: number;
  /** `MESH_DISCOVERY_INTERVAL_MS`. */
  intervalMs: number;
  /** A license for enough links (the evaluation allows 2) and the key it is signed with. */
  license: string;
  licensePublicKey: string;
}

/** One step of a node; each reports one `result`, in the order sent. */
export type DiscoveryStep =
  /** When the process started and when the node was ready. */
  | { do: 'times' }
  /** Waits until every one of `nodeIds` is listed and linked, at most `limitMs`. */
  | { do: 'sighted'; nodeIds: string[]; limitMs: number };

/** Epoch milliseconds, comparable between the processes of the machine. */
export interface NodeTimes {
  processStartedAt: number;
  /** The node itself starts (its own PostgreSQL is up, the database made): what discovery is timed from. */
  startingAt: number;
  /** The Nest application context is up: listening, and the LAN search started. */
  readyAt: number;
  /** Its PostgreSQL server, whose sessions count as the benchmark's own CPU. */
  postgresPid?: number;
}

/** When a node first listed another in its registry and first had a link to it. */
export interface Sighting {
  nodeId: string;
  listedAt?: number;
  linkedAt?: number;
}
