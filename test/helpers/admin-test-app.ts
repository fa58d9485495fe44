import type { DynamicModule, INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ADMIN_MODULE_OPTIONS } from '../../src/admin/admin-module.options.js';
import { AdminTokenGuard } from '../../src/admin/auth/admin-token.guard.js';
import { AdminTokenService } from '../../src/admin/auth/admin-token.service.js';
import { tempDataDir } from './node-process.js';

/**
 * Admin controllers on a real HTTP server behind the bearer-token guard, without the rest of
 * AdminModule (whose routes need the mesh and a database). Listens on 127.0.0.1, a free port.
 */
export async function startAdminTestApp(options: {
  token: string;
  controllers: Type[];
  imports?: DynamicModule[];
  providers?: Provider[];
}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: options.imports ?? [],
    controllers: options.controllers,
    providers: [
      ...(options.providers ?? []),
      AdminTokenService,
      AdminTokenGuard,
      {
        provide: ADMIN_MODULE_OPTIONS,
        useValue: { adminToken: options.token, dataDir: await tempDataDir() },
      },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}
