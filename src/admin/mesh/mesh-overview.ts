import type { EncryptionMode, RotationProgress } from '../../mesh/index.js';
import type { SoftwareVersions } from './software-versions.js';

/** `GET /api/mesh` (CONTRACT §4). Never the password or the keys derived from it. */
export interface MeshOverview {
  enabled: boolean;
  /** Whether the mesh runs on this node: enabled and licensed. */
  active: boolean;
  licensed: boolean;
  meshId: string | null;
  /** Whether a password is in force (with the mesh ID it makes the key). */
  passwordSet: boolean;
  /** How long a changed password's predecessor stays valid, in ms (0 = not at all). */
  passwordGraceMs: number;
  /** A password change in progress: until when the previous one is valid, how many nodes switched. */
  passwordRotation: RotationProgress;
  discovery: boolean;
  discoveryIntervalMs: number;
  /** Authenticated nodes not in the list are accepted (listed as discovered) and members spread. */
  acceptUnknown: boolean;
  self: { nodeId: string; host: string; port: number; encryption: EncryptionMode };
  /** Mesh links up now: the connections used of the license's `connections`. */
  links: number;
  /** Software versions of this node and its linked peers; `mixed` when they differ. */
  versions: SoftwareVersions;
}
