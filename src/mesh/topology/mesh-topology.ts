import type { LinkStatus } from '../link/link-status.js';

/** A link's state as its ends report it: the states of `LinkStatus`. */
export type TopologyLinkState = LinkStatus['state'];

/** A node of the mesh as this node knows it (`GET /api/mesh/topology`). */
export interface TopologyNode {
  nodeId: string;
  /** The computer name and port it is linked at (or listed under, for a node never linked). */
  host: string;
  port: number;
  /** Its software version, when it or a peer of it has told; absent otherwise. */
  version?: string;
  /** Whether this node reaches it, directly or through other nodes (it is in this node's island). */
  reachable: boolean;
}

/** One end's view of a link: what `by` reports of its link to the other end. */
export interface TopologyLinkView {
  by: string;
  state: TopologyLinkState;
  reason?: string;
  transport?: 'tls' | 'tcp';
  rttMs?: number;
  since: string;
}

/**
 * The link between two nodes, `a` < `b` by node ID, as reported by either end or both. When both
 * report and the two views differ in state or reason, `views` holds both; `conflict` is true when
 * one end reports the link up and the other does not.
 */
export interface TopologyLink {
  a: string;
  b: string;
  /** The worse of the two views (a deliberate `disabled` before `error`, before `connecting`, …). */
  state: TopologyLinkState;
  reason?: string;
  transport?: 'tls' | 'tcp';
  /** Round trip in ms, the mean of the ends that measured it. */
  rttMs?: number;
  /** When the state last changed (the later of the two ends' reports). */
  since: string;
  /** The ends whose report this is: one or both of `a` and `b`. */
  reportedBy: string[];
  conflict?: true;
  views?: TopologyLinkView[];
}

/** The whole mesh as seen from this node. */
export interface MeshTopology {
  /** Every node this node knows of (itself, its node list, its peers' link tables), by node ID. */
  nodes: TopologyNode[];
  /** Every pair of nodes that at least one end reports a link for. */
  links: TopologyLink[];
  /**
   * Groups of nodes that reach each other over links up (directly or through others), biggest
   * first; more than one means the mesh is split.
   */
  islands: string[][];
  /** Every pair of known nodes has a link up. */
  complete: boolean;
  /** Pairs of known nodes without a link up (reported down, or reported by nobody). */
  missingLinks: number;
}
