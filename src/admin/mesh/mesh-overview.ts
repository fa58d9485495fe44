import type { EncryptionMode } from '../../mesh/index.js';

/** `GET /api/mesh` (CONTRACT §4). Never the password or the keys derived from it. */
export interface MeshOverview {
  enabled: boolean;
  /** Whether the mesh runs on this node: enabled and licensed. */
  active: boolean;
  licensed: boolean;
  meshId: string | null;
  /** Whether a password is in force (with the mesh ID it makes the key). */
  passwordSet: boolean;
  discovery: boolean;
  discoveryIntervalMs: number;
  /** Authenticated nodes not in the list are accepted (listed as discovered) and members spread. */
  acceptUnknown: boolean;
  self: { nodeId: string; host: string; port: number; encryption: EncryptionMode };
  /** Mesh links up now: the connections used of the license's `connections`. */
  links: number;
}
