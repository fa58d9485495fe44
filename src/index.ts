// Public API of the uc-mesh package root: the mesh itself. CallData, the admin surface and the
// standalone node have their own entry points (uc-mesh/calldata, uc-mesh/admin, uc-mesh/standalone),
// so a host that imports only MeshModule loads nothing else. Importing has no side effect.
export { MeshModule } from './mesh/mesh.module.js';
export { MESH_MODULE_OPTIONS, type MeshModuleOptions } from './mesh/mesh-module.options.js';
export { meshEntities, meshMigrations } from './mesh/mesh.schema.js';
export { NodeIdentityService } from './mesh/identity/node-identity.service.js';
export { ENCRYPTION_MODES, type EncryptionMode } from './mesh/link/encryption-mode.js';
export { LinkService, type AdmissionCheck, type LinkedNode } from './mesh/link/link.service.js';
export type { Direction } from './mesh/link/link.js';
export type { LinkTraffic } from './mesh/link/link-traffic.js';
export type { Hello } from './mesh/handshake/handshake-messages.js';
export { OnMeshMessage, type MeshMessageContext } from './mesh/link/on-mesh-message.decorator.js';
export type { LinkStatus, LinkTarget } from './mesh/link/link-status.js';
export { LINK_REASONS, LinkFailure, type LinkReason } from './mesh/link/link-reason.js';
export {
  BackpressureError,
  MeshLinkClosedError,
  MeshNotLinkedError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from './mesh/link/link.errors.js';
export type { TlsDetails } from './mesh/link/tls-upgrade.js';
export { DiscoveryService } from './mesh/discovery/discovery.service.js';
export { MeshSettingsService } from './mesh/settings/mesh-settings.service.js';
export {
  MeshSettingsError,
  type MeshSettings,
  type MeshSettingsChange,
  type MeshSettingsChanged,
} from './mesh/settings/mesh-settings.js';
export type { MeshKey } from './mesh/handshake/mesh-key.js';
export { PeerRegistryService, type SeenNode } from './mesh/registry/peer-registry.service.js';
export { NodeExistsError, NodeNotFoundError, type MeshNodeView } from './mesh/registry/mesh-node.js';
export type { NodeGroup } from './mesh/registry/mesh-node.entity.js';
export { LicenseService } from './mesh/license/license.service.js';
export { LicenseGuard } from './mesh/license/license.guard.js';
export { LicenseError, type LicenseProblem } from './mesh/license/license.error.js';
export type { LicenseState } from './mesh/license/license-state.js';
