// MeshModule's entry: what other modules (CallData, admin, the standalone node) and host
// applications may use. Nothing outside src/mesh imports a deeper path.
export { MeshModule } from './mesh.module.js';
export { MESH_MODULE_OPTIONS, type MeshModuleOptions } from './mesh-module.options.js';
export { MESH_CONFIG, MESH_DEFAULTS, resolveMeshConfig, type MeshConfig } from './mesh-config.js';
export { meshEntities, meshMigrations } from './mesh.schema.js';
export { MESH_EVENT_NAMES, type MeshEventName, type MeshEvents } from './events/mesh-events.js';
export type {
  LicenseChangedEvent,
  LinkDownEvent,
  LinkErrorEvent,
  LinkStatusEvent,
  LinkUpEvent,
  MeshDeactivatedEvent,
  StateChangedEvent,
  TlsReloadedEvent,
} from './events/mesh-events.js';
export { HOOK_ORDER, MeshHooks } from './events/mesh-hooks.js';
export { HookList } from './events/hook-list.js';
export { NodeIdentityService } from './identity/node-identity.service.js';
export { ENCRYPTION_MODES, type EncryptionMode } from './link/encryption-mode.js';
export { LinkService } from './link/link.service.js';
export type { MeshNodeResult, MeshRequestFailureReason } from './link/request-all.js';
export { defineMeshTopic, type MeshTopic } from './link/mesh-topic.js';
export { ADMISSION_STAGE, type AdmissionCheck } from './link/admission-gate.js';
export type { LinkedNode } from './link/connection-manager.js';
export type { Direction } from './link/link.js';
export type { LinkTraffic } from './link/link-traffic.js';
export { isMeshHello, MESH_HELLO_SNIFF_BYTES } from './link/mesh-hello-sniffer.js';
export {
  OnMeshEvent,
  OnMeshMessage,
  OnMeshRequest,
  type MeshHandlerKind,
  type MeshMessageContext,
  type MeshTopicHandlerDecorator,
} from './link/on-mesh-message.decorator.js';
export { MeshContext, MeshPayload } from './link/mesh-params.decorator.js';
export { DuplicateMeshRequestHandlerError } from './link/mesh-message.explorer.js';
export type { LinkStatus, LinkTarget } from './link/link-status.js';
export { LINK_REASONS, LinkFailure, type LinkReason } from './link/link-reason.js';
export { LINK_HINTS } from './link/link-hints.js';
export { PROTOCOL_VERSIONS } from './handshake/handshake-messages.js';
export type { VersionRange } from './handshake/protocol-version.js';
export {
  BackpressureError,
  MeshLinkClosedError,
  MeshNotLinkedError,
  MeshPayloadTooLargeError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from './link/link.errors.js';
export type { TlsDetails } from './link/tls-upgrade.js';
export { TlsMaterialService, type TlsOverview, type TlsReplacement } from './tls/tls-material.service.js';
export { TlsReplaceError } from './tls/tls-material.error.js';
export type { CertificateInfo } from './tls/certificate-info.js';
export { MeshDiagnosisService } from './diagnosis/mesh-diagnosis.service.js';
export type { DiagnosisCheck, DiagnosisLine } from './diagnosis/diagnosis-rules.js';
export { DIAGNOSIS_HINTS, DIAGNOSIS_MESSAGES } from './diagnosis/diagnosis-texts.js';
export type { Hello } from './handshake/handshake-messages.js';
export { DiscoveryService } from './discovery/discovery.service.js';
export { MeshStateService } from './state/mesh-state.service.js';
export { MeshStateError } from './state/mesh-state.error.js';
export { STATE_LIMITS } from './state/state-limits.js';
export type { StateChangeReason, StateEntry } from './state/state-store.js';
export { MeshTopologyService } from './topology/mesh-topology.service.js';
export type {
  MeshTopology,
  TopologyLink,
  TopologyLinkState,
  TopologyLinkView,
  TopologyNode,
} from './topology/mesh-topology.js';
export { MeshSettingsService } from './settings/mesh-settings.service.js';
export { PasswordRotationService } from './link/password-rotation.service.js';
export { LinkHistoryService } from './history/link-history.service.js';
export { LINK_HISTORY_LIMIT, type LinkHistoryEntry } from './history/link-history.js';
export {
  DEFAULT_PASSWORD_GRACE_MS,
  MAX_PASSWORD_GRACE_MS,
  type RotationProgress,
} from './settings/password-rotation.js';
export {
  MeshSettingsError,
  type MeshSettings,
  type MeshSettingsChange,
  type MeshSettingsChanged,
} from './settings/mesh-settings.js';
export type { MeshKey } from './handshake/mesh-key.js';
export { PeerRegistryService, type SeenNode } from './registry/peer-registry.service.js';
export {
  NodeExistsError,
  NodeNotFixedError,
  NodeNotFoundError,
  type MeshNodeChange,
  type MeshNodeView,
} from './registry/mesh-node.js';
export type { NodeGroup } from './registry/mesh-node.entity.js';
export { LicenseService } from './license/license.service.js';
export { LicenseGuard } from './license/license.guard.js';
export { LicenseError, type LicenseProblem } from './license/license.error.js';
export { KeyFileError } from '../common/key-file.error.js';
export type { LicenseState } from './license/license-state.js';
export { ModuleOptionsError } from '../common/module-options.js';
