import type { MeshKey } from '../handshake/mesh-key.js';

/** The mesh settings in force. */
export interface MeshSettings {
  enabled: boolean;
  meshId?: string;
  /** Derived from mesh ID + password; undefined until both are set. */
  key?: MeshKey;
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
  discovery?: boolean;
  discoveryIntervalMs?: number;
  acceptUnknown?: boolean;
}

/** Payload of `mesh.settings.changed`. */
export interface MeshSettingsChanged {
  previous: MeshSettings;
  current: MeshSettings;
  credentialsChanged: boolean;
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
