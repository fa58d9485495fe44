import { Inject, Injectable } from '@nestjs/common';
import {
  LicenseService,
  LinkService,
  MESH_MODULE_OPTIONS,
  type MeshModuleOptions,
  MeshSettingsService,
  NodeIdentityService,
} from '../../mesh/index.js';
import type { MeshOverview } from './mesh-overview.js';

/** Puts together what `GET /api/mesh` shows from the settings, the identity and the interface. */
@Injectable()
export class MeshOverviewService {
  constructor(
    private readonly settings: MeshSettingsService,
    private readonly identity: NodeIdentityService,
    private readonly link: LinkService,
    private readonly license: LicenseService,
    @Inject(MESH_MODULE_OPTIONS) private readonly options: Pick<MeshModuleOptions, 'host'>,
  ) {}

  overview(): MeshOverview {
    const { enabled, meshId, key, discovery, discoveryIntervalMs, acceptUnknown } = this.settings.current;
    return {
      enabled,
      active: this.link.active,
      licensed: this.license.licensed,
      meshId: meshId ?? null,
      // The key exists exactly when both mesh ID and password are set; the password is not kept.
      passwordSet: key !== undefined,
      discovery,
      discoveryIntervalMs,
      acceptUnknown,
      self: {
        nodeId: this.identity.nodeId,
        host: this.options.host,
        port: this.link.port,
        encryption: this.link.encryption,
      },
      links: this.link.linkedNodes().length,
    };
  }
}
