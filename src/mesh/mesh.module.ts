import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { LicenseEntity } from './license/license.entity.js';
import { LicenseService } from './license/license.service.js';
import { MeshNodeEntity } from './registry/mesh-node.entity.js';
import { PeerRegistryService } from './registry/peer-registry.service.js';
import { MeshSettingsEntity } from './settings/mesh-settings.entity.js';
import { MeshSettingsService } from './settings/mesh-settings.service.js';
import { NodeIdentityService } from './identity/node-identity.service.js';
import { LinkService } from './link/link.service.js';
import { MeshMessageExplorer } from './link/mesh-message.explorer.js';
import { ConfigurableMeshModule, MESH_MODULE_OPTIONS } from './mesh-module.options.js';
import { DiscoveryService } from './discovery/discovery.service.js';

/**
 * The mesh of UC servers. The host application owns the TypeORM DataSource and must run
 * `meshMigrations` (the standalone node does so at start), and imports EventEmitterModule.
 *
 * Global, like `TypeOrmModule.forRoot`: one mesh per application, configured once by the host,
 * its services (and options) injectable from any module — e.g. AdminModule's mesh routes.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([LocalNodeEntity, MeshSettingsEntity, MeshNodeEntity, LicenseEntity]),
    DiscoveryModule,
  ],
  providers: [
    NodeIdentityService,
    MeshSettingsService,
    LicenseService,
    MeshMessageExplorer,
    LinkService,
    PeerRegistryService,
    DiscoveryService,
  ],
  exports: [
    NodeIdentityService,
    MeshSettingsService,
    LicenseService,
    LinkService,
    PeerRegistryService,
    DiscoveryService,
    MESH_MODULE_OPTIONS,
  ],
})
export class MeshModule extends ConfigurableMeshModule {}
