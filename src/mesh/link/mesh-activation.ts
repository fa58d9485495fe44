import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { HookList } from '../events/hook-list.js';
import { LicenseService } from '../license/license.service.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { ADMISSION_STAGE, AdmissionGate } from './admission-gate.js';
import { LinkFailure } from './link-reason.js';

/** What changed about the mesh being active, for the parts that hold links. */
export interface ActivationChange {
  wasActive: boolean;
  active: boolean;
  /** What switched it: the mesh's `enabled` setting or the license. */
  why: 'disabled' | 'unlicensed';
  /**
   * The keys accepted changed (mesh ID or password, or a rotation's end): links whose peer proved
   * none of them any more must go. During a password's grace period the others stay.
   */
  credentialsChanged: boolean;
  /** A rotation ended: a peer still on the previous password gets `password-mismatch`. */
  previousKeyForgotten: boolean;
  /** The license allows fewer links than before. */
  limitLowered: boolean;
}

/**
 * The one owner of "the mesh is active" (enabled and licensed): links run only while it is. Tells
 * the parts that hold links when that, the credentials or the license limit change, then the host
 * (`mesh.activated` / `mesh.deactivated`).
 */
@Injectable()
export class MeshActivation implements OnModuleInit {
  private readonly logger = new Logger('MeshActivation');
  /** The link parts' reactions, in order: close links first, then dial. */
  readonly changed = new HookList<ActivationChange>('an activation change', this.logger);

  constructor(
    private readonly settings: MeshSettingsService,
    private readonly license: LicenseService,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
    gate: AdmissionGate,
  ) {
    gate.add(ADMISSION_STAGE.activation, () => this.refusal());
  }

  onModuleInit(): void {
    this.hooks.settingsChanged.add(
      'MeshActivation',
      HOOK_ORDER.links,
      ({ previous, credentialsChanged, previousKeyForgotten }) =>
        this.apply({
          wasActive: previous.enabled && this.license.licensed,
          why: 'disabled',
          credentialsChanged,
          previousKeyForgotten: previousKeyForgotten !== undefined,
          limitLowered: false,
        }),
    );
    this.hooks.licenseChanged.add('MeshActivation', HOOK_ORDER.links, ({ previous, current }) =>
      this.apply({
        wasActive: this.settings.current.enabled && previous.licensed,
        why: 'unlicensed',
        credentialsChanged: false,
        previousKeyForgotten: false,
        limitLowered: current.connections < previous.connections,
      }),
    );
  }

  /** Active = enabled and licensed. */
  get active(): boolean {
    return this.settings.current.enabled && this.license.licensed;
  }

  /** Why this node may not link now, as the peer is told; undefined while active. */
  refusal(): LinkFailure | undefined {
    if (!this.settings.current.enabled)
      return new LinkFailure('mesh-disabled-remote', 'the mesh is disabled on the peer');
    if (!this.license.licensed)
      return new LinkFailure('unlicensed-remote', 'the peer has no valid mesh license');
    return undefined;
  }

  private async apply(change: Omit<ActivationChange, 'active'>): Promise<void> {
    const active = this.active;
    await this.changed.run({ ...change, active });
    if (change.wasActive && !active) {
      this.logger.warn(`mesh deactivated: ${change.why}`);
      this.bus.emit('mesh.deactivated', { reason: change.why });
    } else if (!change.wasActive && active) {
      this.logger.log('mesh activated');
      this.bus.emit('mesh.activated', {});
    }
  }
}
