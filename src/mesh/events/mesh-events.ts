import type { LicenseState } from '../license/license-state.js';
import type { Direction } from '../link/link.js';
import type { LinkReason } from '../link/link-reason.js';
import type { LinkStatus, LinkTarget } from '../link/link-status.js';
import type { TlsDetails } from '../link/tls-upgrade.js';
import type { MeshNodeView } from '../registry/mesh-node.js';
import type { MeshSettingsChanged } from '../settings/mesh-settings.js';
import type { StateChange } from '../state/state-store.js';
import type { MeshTopology } from '../topology/mesh-topology.js';

/** Payload of `mesh.link.up`. */
export interface LinkUpEvent {
  nodeId: string;
  host: string;
  port: number;
  direction: Direction;
  transport: 'tls' | 'tcp';
  remoteAddress: string;
  /** The peer's software version, from its hello. */
  software: string;
  /** The protocol version both sides speak on the link. */
  protocolVersion: number;
  /** On TLS: the session, the peer's certificate and both sides' verdicts on the certificates. */
  tls?: TlsDetails;
}

/** Payload of `mesh.link.down`. */
export interface LinkDownEvent {
  nodeId: string;
  reason: LinkReason;
  message: string;
}

/** Payload of `mesh.link.error`: a link that failed to come up, dialled (outbound) or accepted. */
export type LinkErrorEvent =
  | (LinkTarget & { direction: 'outbound'; nodeId?: string; reason: LinkReason; message: string })
  | { direction: 'inbound'; remoteAddress: string; reason: LinkReason; message: string };

/** Payload of `mesh.link.status`: a dialled address's status changed (`transition`: state or reason). */
export type LinkStatusEvent = LinkTarget & { nodeId?: string; status: LinkStatus; transition: boolean };

/** Payload of `mesh.tls.reloaded`: new TLS material is in force for new links. */
export interface TlsReloadedEvent {
  /** `file`: the watched files changed; `api`: `PUT /api/mesh/tls`. */
  source: 'file' | 'api';
  certificate: { subject: string; serialNumber: string; fingerprint256: string; validTo: string };
}

/** Payload of `mesh.license.changed`. */
export interface LicenseChangedEvent {
  previous: LicenseState;
  current: LicenseState;
}

/** Payload of `mesh.deactivated`. */
export interface MeshDeactivatedEvent {
  reason: 'disabled' | 'unlicensed';
}

/**
 * Payload of `mesh.state.changed`: an entry of `MeshStateService`'s view changed — `nodeId` owns
 * it, `value` is undefined when it is gone, `reason` is `set`, `delete`, `node-left` or
 * `node-restarted`.
 */
export type StateChangedEvent = StateChange;

/**
 * Every event `MeshModule` emits on the application's EventEmitter2, with its payload: listen with
 * `@OnEvent(name)` and type the payload as `MeshEvents[name]`. The names are lowercase
 * `domain.subject.verb`.
 */
export interface MeshEvents {
  'mesh.link.up': LinkUpEvent;
  'mesh.link.down': LinkDownEvent;
  'mesh.link.error': LinkErrorEvent;
  'mesh.link.status': LinkStatusEvent;
  'mesh.activated': Record<string, never>;
  'mesh.deactivated': MeshDeactivatedEvent;
  'mesh.settings.changed': MeshSettingsChanged;
  'mesh.license.changed': LicenseChangedEvent;
  'mesh.node.added': MeshNodeView;
  'mesh.node.updated': MeshNodeView;
  'mesh.node.removed': MeshNodeView;
  'mesh.node.discovered': MeshNodeView;
  'mesh.node.lost': MeshNodeView;
  'mesh.state.changed': StateChangedEvent;
  /** The whole mesh as this node sees it changed (`MeshTopologyService`); settled, not every blip. */
  'mesh.topology.changed': MeshTopology;
  'mesh.tls.reloaded': TlsReloadedEvent;
}

export type MeshEventName = keyof MeshEvents;

/** Every name of `MeshEvents`, for code that subscribes to all (the SSE stream, tests). */
export const MESH_EVENT_NAMES = [
  'mesh.link.up',
  'mesh.link.down',
  'mesh.link.error',
  'mesh.link.status',
  'mesh.activated',
  'mesh.deactivated',
  'mesh.settings.changed',
  'mesh.license.changed',
  'mesh.node.added',
  'mesh.node.updated',
  'mesh.node.removed',
  'mesh.node.discovered',
  'mesh.node.lost',
  'mesh.state.changed',
  'mesh.topology.changed',
  'mesh.tls.reloaded',
] as const satisfies readonly MeshEventName[];

// Compile-time check that the list names every event of the map, no more and no less.
type Missing = Exclude<MeshEventName, (typeof MESH_EVENT_NAMES)[number]>;
const everyEventListed: Missing extends never ? true : Missing = true;
void everyEventListed;
