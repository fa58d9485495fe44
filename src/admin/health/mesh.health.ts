import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { LicenseService, LinkService, MeshSettingsService } from '../../mesh/index.js';

/**
 * The mesh in `GET /health`. Down only when the clients network interface does not listen: a
 * disabled or unlicensed mesh is the administrator's setting, not a fault, and a node without
 * links may simply be alone — those show in the details (and in /metrics) instead.
 */
@Injectable()
export class MeshHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly link: LinkService,
    private readonly settings: MeshSettingsService,
    private readonly license: LicenseService,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const details = {
      enabled: this.settings.current.enabled,
      licensed: this.license.licensed,
      active: this.link.active,
      links: this.link.linkedNodes().length,
      port: this.link.port,
    };
    if (this.link.isListening) return indicator.up(details);
    return indicator.down({ ...details, message: 'the clients network interface is not listening' });
  }
}
