import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallDataRetentionService } from './calldata-retention.service.js';
import { CALLDATA_CONFIG, resolveCallDataConfig } from './calldata-config.js';
import { CALLDATA_MODULE_OPTIONS, ConfigurableCallDataModule } from './calldata-module.options.js';
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
    {
      // Checks the options (whatever forRootAsync's factory returned) when the application starts.
      provide: CALLDATA_CONFIG,
      inject: [CALLDATA_MODULE_OPTIONS],
      useFactory: resolveCallDataConfig,
    },
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
