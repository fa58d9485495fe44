import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { LicenseEntity } from './license.entity.js';
import { LicenseError } from './license.error.js';
import type { LicenseState } from './license-state.js';
import { parsePublicKey, verifyLicenseToken } from './license-token.js';
import { describeError } from '../../common/describe-error.js';

const EVALUATION_DAYS = 30;
const EVALUATION_CONNECTIONS = 2;
const DAY_MS = 86_400_000;
// setTimeout's limit; a later expiry is re-checked then.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The mesh license: a vendor-signed token (installed through the API, else configured), or
 * without any token a 30-day evaluation from the first start. Re-evaluated at the moment it
 * expires; `mesh.license.changed` tells the mesh.
 */
@Injectable()
export class LicenseService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(LicenseService.name);
  private publicKey?: KeyObject;
  private keyProblem?: LicenseError;
  private row!: LicenseEntity;
  private state!: LicenseState;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(MESH_CONFIG) private readonly options: MeshConfig,
    @InjectRepository(LicenseEntity) private readonly rows: Repository<LicenseEntity>,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.loadPublicKey();
    this.row =
      (await this.rows.findOneBy({ singleton: true })) ??
      (await this.rows.save(
        Object.assign(new LicenseEntity(), { singleton: true, token: null, evaluationStartedAt: new Date() }),
      ));
    await this.evaluate();
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  get current(): LicenseState {
    return this.state;
  }

  get licensed(): boolean {
    return this.state.licensed;
  }

  /**
   * Installs a token: verified first, then stored, then in force.
   * @throws LicenseError — and the license in force stays as it was.
   */
  async install(token: string): Promise<LicenseState> {
    await verifyLicenseToken(token, this.key());
    await this.rows.update({ singleton: true }, { token: token.trim() });
    this.row.token = token.trim();
    await this.evaluate();
    return this.state;
  }

  private async evaluate(): Promise<void> {
    clearTimeout(this.timer);
    const previous = this.state;
    const token = this.row.token ?? this.options.license;
    this.state = token === undefined ? this.evaluation() : await this.fromToken(token);
    const expiresAt = this.state.expiresAt ? Date.parse(this.state.expiresAt) : undefined;
    if (this.state.licensed && expiresAt !== undefined) {
      this.timer = setTimeout(
        () =>
          void this.evaluate().catch((error: unknown) =>
            this.logger.error('license re-check failed', describeError(error)),
          ),
        Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now()) + 10),
      );
      this.timer.unref();
    }
    if (previous && previous.licensed !== this.state.licensed) {
      this.logger.warn(
        this.state.licensed ? 'the mesh is licensed' : `the mesh is not licensed: ${this.state.message}`,
      );
    }
    if (previous) {
      const change = { previous, current: this.state };
      await this.hooks.licenseChanged.run(change);
      this.bus.emit('mesh.license.changed', change);
    }
  }

  private evaluation(): LicenseState {
    const expiresAt = new Date(this.row.evaluationStartedAt.getTime() + EVALUATION_DAYS * DAY_MS);
    const licensed = expiresAt.getTime() > Date.now();
    return {
      licensed,
      evaluation: true,
      licensee: null,
      connections: EVALUATION_CONNECTIONS,
      expiresAt: expiresAt.toISOString(),
      ...(licensed ? {} : { reason: 'evaluation-expired', message: 'the 30-day evaluation has ended' }),
    };
  }

  private async fromToken(token: string): Promise<LicenseState> {
    try {
      const grant = await verifyLicenseToken(token, this.key());
      return {
        licensed: true,
        evaluation: false,
        licensee: grant.licensee,
        connections: grant.connections,
        expiresAt: grant.expiresAt.toISOString(),
      };
    } catch (error: unknown) {
      if (!(error instanceof LicenseError)) throw error;
      // A configured but invalid token never falls back to the evaluation.
      return {
        licensed: false,
        evaluation: false,
        licensee: null,
        connections: 0,
        expiresAt: null,
        reason: error.problem,
        message: error.message,
      };
    }
  }

  private key(): KeyObject {
    if (this.keyProblem) throw this.keyProblem;
    if (!this.publicKey)
      throw new LicenseError(
        'no-public-key',
        'no license public key is configured (MESH_LICENSE_PUBLIC_KEY)',
      );
    return this.publicKey;
  }

  private async loadPublicKey(): Promise<void> {
    const configured = this.options.licensePublicKey;
    if (configured === undefined) return;
    try {
      const pem = configured.includes('-----BEGIN') ? configured : await readFile(configured, 'utf8');
      this.publicKey = parsePublicKey(pem);
    } catch (error: unknown) {
      this.keyProblem =
        error instanceof LicenseError
          ? error
          : new LicenseError('no-public-key', `MESH_LICENSE_PUBLIC_KEY cannot be read: ${String(error)}`);
      this.logger.error(this.keyProblem.message);
    }
  }
}
