import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { NodeIdentityService } from './identity/node-identity.service.js';
import { ConfigurableMeshModule } from './mesh-module.options.js';

/**
 * The mesh of UC servers. The host application owns the TypeORM DataSource and must run
 * `meshMigrations` (the standalone node does so at start).
 */
@Module({
  imports: [TypeOrmModule.forFeature([LocalNodeEntity])],
  providers: [NodeIdentityService],
  exports: [NodeIdentityService],
})
export class MeshModule extends ConfigurableMeshModule {}
