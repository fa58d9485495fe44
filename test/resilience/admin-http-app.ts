import type { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AdminModule } from '../../src/admin/admin.module.js';
import { CallDataModule } from '../../src/calldata/calldata.module.js';
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { nodeDatabaseModule } from '../helpers/node-database-module.js';
import { tempDataDir } from '../helpers/node-process.js';
import type { TestDatabaseServer } from '../helpers/test-database.js';

export const ADMIN_TOKEN = 'resilience-admin-token-0123456789';

/**
 * The standalone node's HTTP side in process: mesh, CallData and admin API on a real database,
 * listening on 127.0.0.1 (a free port), JSON bodies up to 2 MB as in main.ts. The mesh is
 * disabled and the search off, so nothing an API call adds is ever dialled.
 */
export async function startAdminHttpApp(
  database: TestDatabaseServer,
): Promise<{ app: INestApplication; url: string }> {
  const dataDir = await tempDataDir();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot(),
      nodeDatabaseModule(await database.createDatabase()),
      MeshModule.forRoot({
        host: '127.0.0.1',
        port: 0,
        bind: '127.0.0.1',
        enabled: false,
        meshId: 'fuzz-mesh',
        password: 'fuzz-password',
        encryption: 'none',
        discovery: false,
        dataDir,
      }),
      CallDataModule.forRoot({}),
      AdminModule.forRoot({ adminToken: ADMIN_TOKEN, dataDir }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
  app.useBodyParser('json', { limit: '2mb' });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
