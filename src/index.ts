// Public API of the uc-mesh package.
export { MeshModule } from './mesh/mesh.module.js';
export { MESH_MODULE_OPTIONS, type MeshModuleOptions } from './mesh/mesh-module.options.js';
export { meshEntities, meshMigrations } from './mesh/mesh.schema.js';
export { NodeIdentityService } from './mesh/identity/node-identity.service.js';
export { ENCRYPTION_MODES, type EncryptionMode } from './mesh/link/encryption-mode.js';
export { LinkService, type AdmissionCheck, type LinkedNode } from './mesh/link/link.service.js';
export { OnMeshMessage, type MeshMessageContext } from './mesh/link/on-mesh-message.decorator.js';
export type { LinkStatus, LinkTarget } from './mesh/link/link-status.js';
export { LinkFailure, type LinkReason } from './mesh/link/link-reason.js';
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
export { PeerRegistryService, type SeenNode } from './mesh/registry/peer-registry.service.js';
export { NodeExistsError, NodeNotFoundError, type MeshNodeView } from './mesh/registry/mesh-node.js';
export { LicenseService } from './mesh/license/license.service.js';
export { LicenseGuard } from './mesh/license/license.guard.js';
export { LicenseError, type LicenseProblem } from './mesh/license/license.error.js';
export type { LicenseState } from './mesh/license/license-state.js';
export { generateVendorKeys, issueLicenseToken } from './mesh/license/license-issuer.js';
export { CallDataModule } from './calldata/calldata.module.js';
export { CALLDATA_MODULE_OPTIONS, type CallDataModuleOptions } from './calldata/calldata-module.options.js';
export { callDataEntities, callDataMigrations } from './calldata/calldata.schema.js';
export { CallDataService } from './calldata/calldata.service.js';
export { CALLDATA_LIMITS } from './calldata/calldata-limits.js';
export { CallDataValidationError } from './calldata/calldata-validation.error.js';
export type { CallData, CallDataFieldChanges, CallDataUpdated } from './calldata/calldata.js';
export { AdminModule } from './admin/admin.module.js';
export { ADMIN_BODY_LIMIT, useAdminBodyParser } from './admin/admin-body-parser.js';
export { type AdminModuleOptions } from './admin/admin-module.options.js';
export { AdminApi } from './admin/auth/admin-api.decorator.js';
export { AdminTokenGuard } from './admin/auth/admin-token.guard.js';
export { AdminTokenService } from './admin/auth/admin-token.service.js';
export { loadNodeConfig, type NodeConfig } from './config/node-config.js';
export { ConfigValidationError } from './config/config-validation.error.js';
export { KeyFileError } from './common/key-file.error.js';
export { EmbeddedDatabase, type EmbeddedDatabaseOptions } from './database/embedded-database.js';
