import { Injectable, Logger } from '@nestjs/common';
import { HookList } from './hook-list.js';
import type {
  LicenseChangedEvent,
  LinkDownEvent,
  LinkStatusEvent,
  LinkUpEvent,
  StateChangedEvent,
} from './mesh-events.js';
import type { MeshNodeChange } from '../registry/mesh-node.js';
import type { MeshSettingsChanged } from '../settings/mesh-settings.js';

/**
 * Where each part of the mesh (and CallData) registers the reactions it must make, in
 * `HOOK_ORDER`. The producer runs them before it tells the host through `MeshEventBus`:
 * - `settingsChanged`: awaited by `MeshSettingsService.update`, so the API answers once links,
 *   search and registry follow the new settings;
 * - `licenseChanged`: awaited by `LicenseService` likewise;
 * - `linkUp`: the registry lists the node first, then CallData asks it for what it lacks;
 * - `linkDown`: run by `ConnectionManager` once the link left the link table (after the dialers
 *   and the shared state saw it go);
 * - `linkStatus`: the registry learns node IDs of dialled addresses;
 * - `nodeChanged`: run by `PeerRegistryService` for every entry added, updated or removed —
 *   unchecked, merged and expired entries included, which no link event tells;
 * - `stateChanged`: run by `MeshStateService` for every entry of the shared state that changed.
 *
 * Hooks are not awaited by the link, registry and state producers (they must not stall on a
 * reaction); settings and license changes are.
 */
@Injectable()
export class MeshHooks {
  private readonly logger = new Logger('MeshHooks');
  readonly settingsChanged = new HookList<MeshSettingsChanged>('new mesh settings', this.logger);
  readonly licenseChanged = new HookList<LicenseChangedEvent>('a license change', this.logger);
  readonly linkUp = new HookList<LinkUpEvent>('a link coming up', this.logger);
  readonly linkDown = new HookList<LinkDownEvent>('a link going down', this.logger);
  readonly linkStatus = new HookList<LinkStatusEvent>('a link status change', this.logger);
  readonly nodeChanged = new HookList<MeshNodeChange>('a node list change', this.logger);
  readonly stateChanged = new HookList<StateChangedEvent>('a shared state change', this.logger);
}

/** The order in which the parts react; lower first. */
export const HOOK_ORDER = {
  /** Links close or dial first: nothing else may run on a link of the old credentials. */
  links: 10,
  discovery: 20,
  registry: 30,
  /** Linked nodes tell each other their members once the registry listed them. */
  membership: 35,
  /** The mesh's topology is read from the link table and the registry, once both follow a change. */
  topology: 40,
  /** Modules built on the mesh react last, to a mesh already in its new state. */
  features: 100,
} as const;
