import type { LinkStatus } from '../link/link-status.js';
import type { NodeGroup } from './mesh-node.entity.js';

/** A node as the admin API shows it (CONTRACT §4 `Node`). */
export interface MeshNodeView {
  id: string;
  nodeId: string | null;
  host: string;
  port: number;
  group: NodeGroup;
  connect: boolean;
  /** Links to and from this (fixed) node must be TLS with trusted certificates. */
  requireTls: boolean;
  status: LinkStatus;
}

/**
 * A change of the node list (`MeshHooks.nodeChanged`): an entry added, changed (its checkbox, its
 * node ID, its link's state or reason) or removed (by hand, merged, expired).
 */
export interface MeshNodeChange {
  change: 'added' | 'updated' | 'removed';
  node: MeshNodeView;
}

/** No node with that id. Maps to 404. */
export class NodeNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no node with id ${id}`);
    this.name = 'NodeNotFoundError';
  }
}

/** A fixed node at that address exists already. Maps to 409. */
export class NodeExistsError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`a fixed node ${host}:${port} exists already`);
    this.name = 'NodeExistsError';
  }
}

/** `requireTls` was asked of a discovered node: only a fixed node can require TLS. Maps to 409. */
export class NodeNotFixedError extends Error {
  constructor(readonly id: string) {
    super('only a fixed node can require TLS: configure the node permanently (pin it) first');
    this.name = 'NodeNotFixedError';
  }
}

/** The application is shutting down: the registry takes no more changes (its database is closing). */
export class RegistryStoppedError extends Error {
  constructor() {
    super('the node list takes no changes while the node shuts down');
    this.name = 'RegistryStoppedError';
  }
}
