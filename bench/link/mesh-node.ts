import { type DynamicModule, type INestApplicationContext, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { nodeMigrations } from '../../src/database/node-schema.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import type { MeshNodeConfig } from './link-bench.types.js';

@Module({})
class MeshBenchNodeModule {
  static forRoot(config: MeshNodeConfig, providers: Provider[], extras: NodeExtras): DynamicModule {
    return {
      module: MeshBenchNodeModule,
      imports: [
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          autoLoadEntities: true,
          // Every module's tables, CallData's included.
          migrations: nodeMigrations,
          migrationsRun: true,
        }),
        MeshModule.forRoot({
          host: '127.0.0.1',
          port: 0,
          bind: '127.0.0.1',
          meshId: 'bench-mesh',
          password: 'bench-password',
          encryption: config.encryption,
          discovery: false,
          dataDir: config.dataDir,
          // The two benchmark nodes meet by dialling, not through a node list or the LAN search.
          acceptUnknownPeers: true,
          ...extras.mesh,
        }),
        ...(extras.imports ?? []),
      ],
      providers,
    };
  }
}

/** What a suite adds to the mesh node: feature modules and mesh options. */
export interface NodeExtras {
  imports?: DynamicModule[];
  mesh?: Partial<MeshModuleOptions>;
}

/** A mesh node as a host application assembles it, its clients interface on loopback. */
export async function startMeshNode(
  config: MeshNodeConfig,
  providers: Provider[] = [],
  extras: NodeExtras = {},
): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(MeshBenchNodeModule.forRoot(config, providers, extras), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
}

/**
 * Dials the peer and waits (bounded) until the link is up; resolves with its transport. Failed
 * attempts are retried by the link's dialer (with backoff) until the limit, unless `failFast`.
 */
export async function linkTo(
  app: INestApplicationContext,
  port: number,
  limitMs = 15_000,
  failFast = false,
): Promise<'tls' | 'tcp' | undefined> {
  const link = app.get(LinkService);
  const events = app.get(EventEmitter2);
  const target = { host: '127.0.0.1', port };
  let onStatus!: () => void;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((done, fail) => {
      onStatus = () => {
        const status = link.status(target);
        if (status?.state === 'connected') done(status.transport);
        else if (failFast && status?.state === 'error')
          fail(new Error(`link failed: ${JSON.stringify(status)}`));
      };
      timer = setTimeout(() => {
        const status = JSON.stringify(link.status(target));
        fail(new Error(`no link to 127.0.0.1:${port} within ${limitMs} ms: ${status}`));
      }, limitMs);
      events.on('mesh.link.status', onStatus);
      link.connect(target);
      onStatus();
    });
  } finally {
    clearTimeout(timer);
    events.off('mesh.link.status', onStatus);
  }
}
