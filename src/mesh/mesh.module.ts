import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { NodeIdentityService } from './identity/node-identity.service.js';
import { LinkService } from './link/link.service.js';
import { MeshMessageExplorer } from './link/mesh-message.explorer.js';
import { ConfigurableMeshModule } from './mesh-module.options.js';

/**
 * The mesh of UC servers. The host application owns the TypeORM DataSource and must run
 * `meshMigrations` (the standalone node does so at start), and imports EventEmitterModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([LocalNodeEntity]), DiscoveryModule],
  providers: [NodeIdentityService, MeshMessageExplorer, LinkService],
  exports: [NodeIdentityService, LinkService],
})
export class MeshModule extends ConfigurableMeshModule {}
