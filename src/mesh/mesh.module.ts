import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { MeshNodeEntity } from './registry/mesh-node.entity.js';
import { PeerRegistryService } from './registry/peer-registry.service.js';
import { MeshSettingsEntity } from './settings/mesh-settings.entity.js';
import { MeshSettingsService } from './settings/mesh-settings.service.js';
import { NodeIdentityService } from './identity/node-identity.service.js';
import { LinkService } from './link/link.service.js';
import { MeshMessageExplorer } from './link/mesh-message.explorer.js';
import { ConfigurableMeshModule } from './mesh-module.options.js';

/**
 * The mesh of UC servers. The host application owns the TypeORM DataSource and must run
 * `meshMigrations` (the standalone node does so at start), and imports EventEmitterModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([LocalNodeEntity, MeshSettingsEntity, MeshNodeEntity]), DiscoveryModule],
  providers: [
    NodeIdentityService,
    MeshSettingsService,
    MeshMessageExplorer,
    LinkService,
    PeerRegistryService,
  ],
  exports: [NodeIdentityService, MeshSettingsService, LinkService, PeerRegistryService],
})
export class MeshModule extends ConfigurableMeshModule {}
