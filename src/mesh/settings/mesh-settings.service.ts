import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { deriveMeshKey, type MeshKey } from '../handshake/mesh-key.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsEntity } from './mesh-settings.entity.js';
import {
  type MeshSettings,
  type MeshSettingsChange,
  type MeshSettingsChanged,
  MeshSettingsError,
} from './mesh-settings.js';

/**
 * The mesh settings: seeded from the module options (the environment), changed at runtime by the
 * administrator, written to the database before they take effect, restored at start.
 */
@Injectable()
export class MeshSettingsService implements OnModuleInit {
  private readonly logger = new Logger(MeshSettingsService.name);
  private settings!: MeshSettings;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(MESH_CONFIG) private readonly options: MeshConfig,
    @InjectRepository(MeshSettingsEntity) private readonly rows: Repository<MeshSettingsEntity>,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const stored = await this.rows.findOneBy({ singleton: true });
    if (stored?.changedBy === 'admin') {
      this.settings = fromRow(stored);
      return;
    }
    const { meshId, password } = this.options;
    const key =
      meshId !== undefined && password !== undefined ? await deriveMeshKey(meshId, password) : undefined;
    this.settings = {
      enabled: this.options.enabled,
      meshId: key ? meshId : undefined,
      key,
      discovery: this.options.discovery,
      discoveryIntervalMs: this.options.discoveryIntervalMs,
      acceptUnknown: this.options.acceptUnknownPeers,
    };
    await this.rows.save(toRow(this.settings, 'environment'));
  }

  get current(): MeshSettings {
    return this.settings;
  }

  /**
   * Applies an administrator's change: validated, stored, then in force.
   * @throws MeshSettingsError for an impossible change (e.g. a new mesh ID without the password).
   */
  update(change: MeshSettingsChange): Promise<MeshSettings> {
    // One at a time: a slow key derivation must not let a concurrent change be overwritten.
    const result = this.queue.then(() => this.apply(change));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async apply(change: MeshSettingsChange): Promise<MeshSettings> {
    const previous = this.settings;
    const meshId = change.meshId ?? previous.meshId;
    let key = previous.key;
    if (change.password !== undefined) {
      if (meshId === undefined)
        throw new MeshSettingsError('meshId', 'set a mesh ID together with the password');
      key = await deriveMeshKey(meshId, change.password);
    } else if (change.meshId !== undefined && change.meshId !== previous.meshId) {
      // The password is not stored, so the key of another mesh ID cannot be derived without it.
      throw new MeshSettingsError('password', 'a new mesh ID needs the password too');
    }
    const next: MeshSettings = {
      enabled: change.enabled ?? previous.enabled,
      meshId,
      key,
      discovery: change.discovery ?? previous.discovery,
      discoveryIntervalMs: change.discoveryIntervalMs ?? previous.discoveryIntervalMs,
      acceptUnknown: change.acceptUnknown ?? previous.acceptUnknown,
    };
    await this.rows.save(toRow(next, 'admin'));
    this.settings = next;
    const event: MeshSettingsChanged = {
      previous,
      current: next,
      credentialsChanged: !sameKey(previous.key, key),
    };
    this.logger.log(
      `settings changed: enabled=${next.enabled} discovery=${next.discovery} interval=${next.discoveryIntervalMs}` +
        ` acceptUnknown=${next.acceptUnknown}` +
        (event.credentialsChanged ? ' credentials=changed' : ''),
    );
    // Links, search and registry follow before the change is answered; then the host hears of it.
    await this.hooks.settingsChanged.run(event);
    this.bus.emit('mesh.settings.changed', event);
    return next;
  }
}

function fromRow(row: MeshSettingsEntity): MeshSettings {
  return {
    enabled: row.enabled,
    meshId: row.meshId ?? undefined,
    key: row.idKey && row.authKey ? { idKey: row.idKey, authKey: row.authKey } : undefined,
    discovery: row.discovery,
    discoveryIntervalMs: row.discoveryIntervalMs,
    acceptUnknown: row.acceptUnknown,
  };
}

function toRow(settings: MeshSettings, changedBy: 'environment' | 'admin'): MeshSettingsEntity {
  return Object.assign(new MeshSettingsEntity(), {
    singleton: true,
    enabled: settings.enabled,
    meshId: settings.meshId ?? null,
    idKey: settings.key?.idKey ?? null,
    authKey: settings.key?.authKey ?? null,
    discovery: settings.discovery,
    discoveryIntervalMs: settings.discoveryIntervalMs,
    acceptUnknown: settings.acceptUnknown,
    changedBy,
  });
}

function sameKey(a: MeshKey | undefined, b: MeshKey | undefined): boolean {
  if (!a || !b) return a === b;
  return timingSafeEqual(a.authKey, b.authKey) && timingSafeEqual(a.idKey, b.idKey);
}
