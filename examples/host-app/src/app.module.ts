import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MeshModule, meshMigrations } from 'uc-mesh';
import { AdminModule } from 'uc-mesh/admin';
import { CallDataModule, callDataMigrations } from 'uc-mesh/calldata';
import { CallsModule } from './calls/calls.module.js';
import { PresenceModule } from './presence/presence.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    EventEmitterModule.forRoot(),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        // The mesh and CallData register their entities with TypeOrmModule.forFeature.
        autoLoadEntities: true,
        migrations: [...meshMigrations, ...callDataMigrations],
        migrationsRun: true,
      }),
    }),
    MeshModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        host: config.getOrThrow<string>('MESH_HOST'),
        port: Number(config.get('MESH_PORT', 7222)),
        bind: config.get<string>('MESH_BIND'),
        meshId: config.get<string>('MESH_ID'),
        password: config.get<string>('MESH_PASSWORD'),
        discovery: config.get('MESH_DISCOVERY') !== 'false',
        peers: peerList(config.get<string>('MESH_PEERS', '')),
        dataDir: config.get<string>('DATA_DIR', 'data'),
      }),
    }),
    CallDataModule.forRoot({}),
    AdminModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        adminToken: config.get<string>('ADMIN_TOKEN'),
        dataDir: config.get<string>('DATA_DIR', 'data'),
      }),
    }),
    PresenceModule,
    CallsModule,
  ],
})
export class AppModule {}

/** `host:port,host:port` → the nodes to keep linked. */
function peerList(value: string): Array<{ host: string; port: number }> {
  return value
    .split(',')
    .filter((peer) => peer.trim() !== '')
    .map((peer) => {
      const at = peer.lastIndexOf(':');
      return { host: peer.slice(0, at), port: Number(peer.slice(at + 1)) };
    });
}
