/** How the orchestrator configures the admin probe: a process on the LAN that calls the nodes' admin APIs. */
export interface ProbeConfig {
  limitMs: number;
  /** `ADMIN_TOKEN` of every node. */
  token: string;
}

/** A node as the probe reaches it. */
export interface ProbeTarget {
  /** `http://<address>:<port>` of its admin API. */
  base: string;
  nodeId: string;
}

/** One step of the probe; each answers one `result`. */
export type ProbeStep =
  /** GET every path of every target at once (bounded concurrency): the JSON bodies and statuses. */
  | { do: 'get'; urls: string[] }
  /** One request: PUT/POST a JSON body. */
  | { do: 'send'; url: string; method: 'PUT' | 'POST' | 'PATCH' | 'DELETE'; body?: unknown }
  /** Sums of Prometheus series (over their labels), per URL of a `/metrics`. */
  | { do: 'metrics'; urls: string[]; names: string[] }
  /** Polls `/metrics` of each URL until the series `name` exceeds `above[i]`. */
  | {
      do: 'until-metric';
      urls: string[];
      name: string;
      also: string[];
      above: number[];
      limitMs: number;
      intervalMs: number;
    }
  /** Polls until every target lists every other of `nodeIds` connected (and, with `topology`, its view is complete). */
  | {
      do: 'until-linked';
      targets: ProbeTarget[];
      nodeIds: string[];
      topology: boolean;
      limitMs: number;
      intervalMs: number;
    }
  /** Opens a `GET /api/mesh/events` stream to each of `bases` (kept open until `unwatch`, at most `limitMs`). */
  | { do: 'watch-topology'; bases: string[]; limitMs: number }
  /**
   * Sends one request (a link's connect checkbox) and times, on each watched stream of `bases`, the
   * first `mesh.topology` event after the send that shows the link `a`–`b` connected or not.
   */
  | {
      do: 'link-change';
      url: string;
      method: 'PATCH';
      body: unknown;
      a: string;
      b: string;
      connected: boolean;
      bases: string[];
      limitMs: number;
    }
  /** Closes every stream `watch-topology` opened: how many. */
  | { do: 'unwatch' };

export interface GetResult {
  status: number;
  body: unknown;
  /** Epoch ms of the answer. */
  at: number;
}

/** Per URL: the time the series passed the mark and the values of `name` and `also` then. */
export interface MetricMark {
  at?: number;
  values: Record<string, number>;
}

/** Per target: when it was first seen with all links, and with a complete topology view. */
export interface LinkedMark {
  linkedAt?: number;
  topologyAt?: number;
  /** Links it had at the last look. */
  links: number;
  /** Why the last look failed, if it did. */
  problem?: string;
}

/** `GET /api/mesh/nodes`, the fields used here (CONTRACT §4 `Node`). */
export interface NodeEntry {
  nodeId: string | null;
  host: string;
  status: { state: string; reason?: string; message?: string; lastConnectedAt?: string };
}

/** What `link-change` saw: the request's send and answer times and, per stream, the arrival. */
export interface LinkChangeResult {
  status: number;
  body: unknown;
  /** Epoch ms just before the request was sent, and of its answer. */
  sentAt: number;
  answeredAt: number;
  marks: Array<{
    /** Epoch ms of the first event showing the wanted state; absent when none came in time. */
    at?: number;
    /** Characters of that event's data (the whole topology). */
    bytes?: number;
    /** `mesh.topology` events the stream has delivered so far. */
    events: number;
    problem?: string;
  }>;
}
