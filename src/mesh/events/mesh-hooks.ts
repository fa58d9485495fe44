import { Injectable, Logger } from '@nestjs/common';
import { HookList } from './hook-list.js';
import type { LicenseChangedEvent, LinkStatusEvent, LinkUpEvent } from './mesh-events.js';
import type { MeshSettingsChanged } from '../settings/mesh-settings.js';

/**
 * Where each part of the mesh (and CallData) registers the reactions it must make, in
 * `HOOK_ORDER`. The producer runs them before it tells the host through `MeshEventBus`:
 * - `settingsChanged`: awaited by `MeshSettingsService.update`, so the API answers once links,
 *   search and registry follow the new settings;
 * - `licenseChanged`: awaited by `LicenseService` likewise;
 * - `linkUp`: the registry lists the node first, then CallData asks it for what it lacks;
 * - `linkStatus`: the registry learns node IDs of dialled addresses.
 */
@Injectable()
export class MeshHooks {
  private readonly logger = new Logger('MeshHooks');
  readonly settingsChanged = new HookList<MeshSettingsChanged>('new mesh settings', this.logger);
  readonly licenseChanged = new HookList<LicenseChangedEvent>('a license change', this.logger);
  readonly linkUp = new HookList<LinkUpEvent>('a link coming up', this.logger);
  readonly linkStatus = new HookList<LinkStatusEvent>('a link status change', this.logger);
}

/** The order in which the parts react; lower first. */
export const HOOK_ORDER = {
  /** Links close or dial first: nothing else may run on a link of the old credentials. */
  links: 10,
  discovery: 20,
  registry: 30,
  /** Linked nodes tell each other their members once the registry listed them. */
  membership: 35,
  /** Modules built on the mesh react last, to a mesh already in its new state. */
  features: 100,
} as const;
