import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallDataRetentionService } from './calldata-retention.service.js';
import { ConfigurableCallDataModule } from './calldata-module.options.js';
import { callDataEntities } from './calldata.schema.js';
import { CallDataService } from './calldata.service.js';
import { CallDataReplicator } from './replication/calldata-replicator.service.js';
import { ReplicationAudit } from './replication/replication-audit.js';
import { CallDataWriter } from './store/calldata-writer.js';

/**
 * CallData of calls, replicated over the mesh while it is active. Needs `MeshModule` and
 * `EventEmitterModule` in the application, and `callDataMigrations` run after `meshMigrations`.
 * Global like MeshModule, so AdminModule's routes (and any feature module) can inject the service.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature(callDataEntities)],
  providers: [
    ReplicationAudit,
    CallDataWriter,
    CallDataService,
    CallDataReplicator,
    CallDataRetentionService,
  ],
  // The writer and the audit for AdminModule's metrics, which watch its commits and refusals; not
  // part of the package API.
  exports: [CallDataService, CallDataWriter, ReplicationAudit],
})
export class CallDataModule extends ConfigurableCallDataModule {}
