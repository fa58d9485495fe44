import type { MeshKey } from '../handshake/mesh-key.js';

/** The mesh settings in force. */
export interface MeshSettings {
  enabled: boolean;
  meshId?: string;
  /** Derived from mesh ID + password; undefined until both are set. */
  key?: MeshKey;
  /**
   * The key before the last password change, still accepted (and proved) until `previousKeyUntil`
   * or until every linked node proved the new one. Absent outside a rotation.
   */
  previousKey?: MeshKey;
  previousKeyUntil?: Date;
  /** How long a changed password's predecessor stays valid, in ms; 0 = not at all. Default 1 h. */
  passwordGraceMs: number;
  discovery: boolean;
  discoveryIntervalMs: number;
  /** Accept authenticated nodes not in the list, and learn members from linked nodes. */
  acceptUnknown: boolean;
}

/** What an administrator may change; `password` is write-only. */
export interface MeshSettingsChange {
  enabled?: boolean;
  meshId?: string;
  password?: string;
  passwordGraceMs?: number;
  discovery?: boolean;
  discoveryIntervalMs?: number;
  acceptUnknown?: boolean;
}

/** Payload of `mesh.settings.changed`. */
export interface MeshSettingsChanged {
  previous: MeshSettings;
  current: MeshSettings;
  /** The keys accepted changed: links whose peer proved none of them any more are closed. */
  credentialsChanged: boolean;
  /**
   * Set when the change is the end of a password rotation: the previous key was forgotten because
   * every linked node proved the new one (`complete`) or the grace period ended (`expired`).
   */
  previousKeyForgotten?: 'complete' | 'expired';
}

/** A change that cannot be applied; maps to HTTP 400 at the controller. */
export class MeshSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MeshSettingsError';
  }
}
