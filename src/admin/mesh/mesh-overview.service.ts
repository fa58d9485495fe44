import { Inject, Injectable } from '@nestjs/common';
import {
  LicenseService,
  LinkService,
  MESH_MODULE_OPTIONS,
  type MeshModuleOptions,
  MeshSettingsService,
  NodeIdentityService,
  PasswordRotationService,
} from '../../mesh/index.js';
import { SOFTWARE_VERSION } from '../../mesh/software-version.js';
import type { MeshOverview } from './mesh-overview.js';
import { softwareVersions } from './software-versions.js';

/** Puts together what `GET /api/mesh` shows from the settings, the identity and the interface. */
@Injectable()
export class MeshOverviewService {
  constructor(
    private readonly settings: MeshSettingsService,
    private readonly identity: NodeIdentityService,
    private readonly link: LinkService,
    private readonly license: LicenseService,
    private readonly rotation: PasswordRotationService,
    @Inject(MESH_MODULE_OPTIONS) private readonly options: Pick<MeshModuleOptions, 'host'>,
  ) {}

  overview(): MeshOverview {
    const { enabled, meshId, key, passwordGraceMs, discovery, discoveryIntervalMs, acceptUnknown } =
      this.settings.current;
    const linked = this.link.linkedNodes();
    return {
      enabled,
      active: this.link.active,
      licensed: this.license.licensed,
      meshId: meshId ?? null,
      // The key exists exactly when both mesh ID and password are set; the password is not kept.
      passwordSet: key !== undefined,
      passwordGraceMs,
      passwordRotation: this.rotation.progress(),
      discovery,
      discoveryIntervalMs,
      acceptUnknown,
      self: {
        nodeId: this.identity.nodeId,
        host: this.options.host,
        port: this.link.port,
        encryption: this.link.encryption,
      },
      links: linked.length,
      versions: softwareVersions(
        SOFTWARE_VERSION,
        linked.map((node) => node.software),
      ),
    };
  }
}
