import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminModule } from './admin/admin.module.js';
import { CallDataModule } from './calldata/calldata.module.js';
import type { NodeConfig } from './config/node-config.js';
import { nodeMigrations } from './database/node-schema.js';
import { MeshModule } from './mesh/mesh.module.js';

type Settings = { node: NodeConfig & { databaseUrl: string } };

/** The standalone node: the mesh, CallData, the admin API and the database they share. */
@Module({})
export class AppModule {
  /** `config.databaseUrl` is the external server or the embedded one main.ts started. */
  static forRoot(config: NodeConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          load: [() => ({ node: config })],
        }),
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (settings: ConfigService<Settings, true>) => ({
            type: 'postgres',
            url: settings.get('node.databaseUrl', { infer: true }),
            autoLoadEntities: true,
            migrations: nodeMigrations,
            migrationsRun: true,
            // Fail fast at start; the operator sees the reason instead of a long silent retry.
            retryAttempts: 3,
            retryDelay: 1000,
            // A database host that drops packets must not hold requests for the OS's TCP timeout:
            // they fail (503) after this, like the health check.
            extra: { connectionTimeoutMillis: 5000 },
          }),
        }),
        MeshModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (settings: ConfigService<Settings, true>) => {
            const { mesh, dataDir } = settings.get('node', { infer: true });
            return { ...mesh, dataDir };
          },
        }),
        CallDataModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (settings: ConfigService<Settings, true>) =>
            settings.get('node.calldata', { infer: true }),
        }),
        AdminModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (settings: ConfigService<Settings, true>) => {
            const { adminToken, dataDir } = settings.get('node', { infer: true });
            return { adminToken, dataDir };
          },
        }),
      ],
    };
  }
}
