import { timingSafeEqual } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { deriveMeshKey, type MeshKey } from '../handshake/mesh-key.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsEntity } from './mesh-settings.entity.js';
import {
  DEFAULT_PASSWORD_GRACE_MS,
  graceOver,
  type PreviousKey,
  previousKeyAfter,
} from './password-rotation.js';
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
export class MeshSettingsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(MeshSettingsService.name);
  private settings!: MeshSettings;
  private queue: Promise<unknown> = Promise.resolve();
  /** Ends a rotation's grace period. */
  private graceTimer?: NodeJS.Timeout;
  /** Whose values the row holds (see `MeshSettingsEntity.changedBy`). */
  private changedBy: 'environment' | 'admin' = 'environment';

  constructor(
    @Inject(MESH_CONFIG) private readonly options: MeshConfig,
    @InjectRepository(MeshSettingsEntity) private readonly rows: Repository<MeshSettingsEntity>,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const stored = await this.rows.findOneBy({ singleton: true });
    if (stored?.changedBy === 'admin') {
      this.changedBy = 'admin';
      this.settings = fromRow(stored);
      // A grace period that ended while the node was down: the previous key goes, in the row too.
      if (graceOver(this.settings.previousKeyUntil, Date.now())) {
        this.settings = { ...this.settings, previousKey: undefined, previousKeyUntil: undefined };
        await this.rows.save(toRow(this.settings, 'admin'));
      }
      this.scheduleGraceEnd();
      return;
    }
    const { meshId, password } = this.options;
    const key =
      meshId !== undefined && password !== undefined ? await deriveMeshKey(meshId, password) : undefined;
    const before = stored ? fromRow(stored) : undefined;
    const passwordGraceMs = before?.passwordGraceMs ?? DEFAULT_PASSWORD_GRACE_MS;
    // A new password in the environment is a rotation too: the stored key stays valid for the grace.
    const previous = previousKeyAfter({
      before: before ?? {},
      keyChanged: !sameKey(before?.key, key),
      meshIdChanged: before?.meshId !== (key ? meshId : undefined),
      graceMs: passwordGraceMs,
      now: Date.now(),
    });
    this.settings = {
      enabled: this.options.enabled,
      meshId: key ? meshId : undefined,
      key,
      ...(graceOver(previous.previousKeyUntil, Date.now()) ? {} : previous),
      passwordGraceMs,
      discovery: this.options.discovery,
      discoveryIntervalMs: this.options.discoveryIntervalMs,
      acceptUnknown: this.options.acceptUnknownPeers,
    };
    await this.rows.save(toRow(this.settings, 'environment'));
    this.scheduleGraceEnd();
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.graceTimer);
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
    const passwordGraceMs = change.passwordGraceMs ?? previous.passwordGraceMs;
    const keyChanged = !sameKey(previous.key, key);
    const rotation = previousKeyAfter({
      before: previous,
      keyChanged,
      meshIdChanged: meshId !== previous.meshId,
      graceMs: passwordGraceMs,
      now: Date.now(),
    });
    const next: MeshSettings = {
      enabled: change.enabled ?? previous.enabled,
      meshId,
      key,
      ...rotation,
      passwordGraceMs,
      discovery: change.discovery ?? previous.discovery,
      discoveryIntervalMs: change.discoveryIntervalMs ?? previous.discoveryIntervalMs,
      acceptUnknown: change.acceptUnknown ?? previous.acceptUnknown,
    };
    await this.rows.save(toRow(next, 'admin'));
    this.changedBy = 'admin';
    this.settings = next;
    this.scheduleGraceEnd();
    const event: MeshSettingsChanged = {
      previous,
      current: next,
      credentialsChanged: keyChanged || !sameKey(previous.previousKey, next.previousKey),
    };
    this.logger.log(
      `settings changed: enabled=${next.enabled} discovery=${next.discovery} interval=${next.discoveryIntervalMs}` +
        ` acceptUnknown=${next.acceptUnknown}` +
        (keyChanged ? ' credentials=changed' : '') +
        (keyChanged && next.previousKey
          ? ` previous password valid until ${next.previousKeyUntil?.toISOString()}`
          : ''),
    );
    await this.announce(event);
    return next;
  }

  /**
   * Ends a password rotation: the previous key is no longer accepted nor proved, in the database
   * too. `complete` when every linked node proved the new password, `expired` at the grace end.
   * Nothing happens outside a rotation.
   */
  forgetPreviousKey(why: 'complete' | 'expired'): Promise<void> {
    const result = this.queue.then(async () => {
      const previous = this.settings;
      if (!previous.previousKey) return;
      const next: MeshSettings = { ...previous, previousKey: undefined, previousKeyUntil: undefined };
      await this.rows.save(toRow(next, this.changedBy));
      this.settings = next;
      clearTimeout(this.graceTimer);
      this.logger.log(
        why === 'complete'
          ? 'password rotation complete: every linked node proved the new password; the previous one is forgotten'
          : 'password rotation ended: the grace period is over; the previous password is forgotten',
      );
      await this.announce({ previous, current: next, credentialsChanged: true, previousKeyForgotten: why });
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Links, search and registry follow before the change is answered; then the host hears of it. */
  private async announce(event: MeshSettingsChanged): Promise<void> {
    await this.hooks.settingsChanged.run(event);
    this.bus.emit('mesh.settings.changed', event);
  }

  private scheduleGraceEnd(): void {
    clearTimeout(this.graceTimer);
    const until = this.settings.previousKeyUntil;
    if (!this.settings.previousKey || !until) return;
    // setTimeout holds at most ~24.8 days; the grace is at most seven.
    const delay = Math.max(0, until.getTime() - Date.now());
    this.graceTimer = setTimeout(() => {
      this.forgetPreviousKey('expired').catch((error: unknown) =>
        this.logger.error(`the previous password could not be forgotten: ${String(error)}`),
      );
    }, delay);
    this.graceTimer.unref();
  }
}

function fromRow(row: MeshSettingsEntity): MeshSettings {
  const key = row.idKey && row.authKey ? { idKey: row.idKey, authKey: row.authKey } : undefined;
  const previous: PreviousKey =
    key && row.previousAuthKey && row.previousKeyUntil
      ? {
          previousKey: { idKey: key.idKey, authKey: row.previousAuthKey },
          previousKeyUntil: row.previousKeyUntil,
        }
      : {};
  return {
    enabled: row.enabled,
    meshId: row.meshId ?? undefined,
    key,
    ...previous,
    passwordGraceMs: row.passwordGraceMs,
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
    previousAuthKey: settings.previousKey?.authKey ?? null,
    previousKeyUntil: settings.previousKeyUntil ?? null,
    passwordGraceMs: settings.passwordGraceMs,
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
