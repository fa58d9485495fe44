import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { useAdminBodyParser } from '../../src/admin/admin-body-parser.js';
import { AppModule } from '../../src/app.module.js';
import { loadNodeConfig } from '../../src/config/node-config.js';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import type { TestDatabaseServer } from '../helpers/test-database.js';

export const ADMIN_TOKEN = 'resilience-admin-token-0123456789';

/**
 * The standalone node's HTTP side in process: `AppModule` configured from environment variables
 * as main.ts does, on a real database, with main.ts's body limit, listening on 127.0.0.1 (a free
 * port). The mesh is disabled and the search off, so nothing an API call adds is ever dialled.
 */
export async function startAdminHttpApp(
  database: TestDatabaseServer,
): Promise<{ app: INestApplication; url: string }> {
  const config = loadNodeConfig({
    DATA_DIR: await tempDataDir(),
    MESH_HOST: '127.0.0.1',
    MESH_BIND: '127.0.0.1',
    MESH_PORT: String(await freePort()),
    MESH_ENABLED: 'false',
    MESH_DISCOVERY: 'false',
    MESH_ID: 'fuzz-mesh',
    MESH_PASSWORD: 'fuzz-password',
    MESH_ENCRYPTION: 'none',
    ADMIN_TOKEN,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ ...config, databaseUrl: await database.createDatabase() })],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
  useAdminBodyParser(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
