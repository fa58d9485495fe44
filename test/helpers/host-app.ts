import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  Module,
  Param,
  Post,
  Put,
  UseFilters,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { HealthCheck, HealthCheckService, type HealthCheckResult, TerminusModule } from '@nestjs/terminus';
import { NestFactory } from '@nestjs/core';
import { Counter, Registry } from 'prom-client';
import { useAdminBodyParser } from '../../src/admin/admin-body-parser.js';
import type { AdminModuleRoutes } from '../../src/admin/admin-module.options.js';
import { AdminModule } from '../../src/admin/admin.module.js';
import { MeshHealthIndicator } from '../../src/admin/health/mesh.health.js';
import type { CallData } from '../../src/calldata/calldata.js';
import { CallDataModule } from '../../src/calldata/calldata.module.js';
import { CallDataService } from '../../src/calldata/calldata.service.js';
import { CallDataValidationFilter } from '../../src/calldata/calldata-validation.filter.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { nodeDatabaseModule } from './node-database-module.js';
import { tempDataDir } from './node-process.js';
import type { TestDatabaseServer } from './test-database.js';

/** The host's own `/api/*`: answers the host's way, which AdminModule must leave alone. */
@Controller('api/calls')
class HostCallsController {
  constructor(private readonly calldata: CallDataService) {}

  @Post()
  create(): never {
    throw new BadRequestException({ message: 'host rule', code: 7 });
  }

  /** Lets CallDataService's validation error escape, as a host's route would; the filter maps it. */
  @Put(':id/data')
  @UseFilters(CallDataValidationFilter)
  setData(@Param('id') id: string, @Body() fields: Record<string, string>): Promise<CallData> {
    return this.calldata.set(id, fields);
  }
}

/** The host's terminus `/health`, with the mesh's indicator beside a check of its own. */
@Controller('health')
class HostHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mesh: MeshHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => ({ host: { status: 'up' } }), () => this.mesh.isHealthy('mesh')]);
  }
}

/** The host's own `/metrics` over its registry, which the mesh's metrics were put on. */
@Controller('metrics')
class HostMetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface HostApp {
  app: NestExpressApplication;
  /** `http://127.0.0.1:<port>`, without the global prefix. */
  url: string;
  token: string;
  registry: Registry;
  /** The mesh's clients network interface port. */
  meshPort: number;
}

/**
 * A UC server as a host writes one: its own routes, terminus `/health` and `/metrics` (where
 * `routes` switches AdminModule's off) and registry, MeshModule,
 * CallDataModule and the admin surface (`AdminModule.forRootAsync` with `routes`) under the global
 * prefix `prefix`. In process on a real database; HTTP and mesh on 127.0.0.1, free ports, no search.
 */
export async function startHostApp(
  database: TestDatabaseServer,
  routes: AdminModuleRoutes,
  prefix = 'v1',
  /** Merged into what the factory returns, e.g. a typo to see it refused. */
  factoryExtra: Record<string, unknown> = {},
): Promise<HostApp> {
  const registry = new Registry();
  // A metric of the host's own on the same registry.
  new Counter({ name: 'host_orders_total', help: 'Orders of the host', registers: [registry] });
  const token = `host-app-admin-token-${Math.random().toString(36).slice(2)}`;
  const dataDir = await tempDataDir();

  @Module({
    imports: [
      EventEmitterModule.forRoot(),
      nodeDatabaseModule(await database.createDatabase()),
      MeshModule.forRoot({
        host: '127.0.0.1',
        port: 0,
        bind: '127.0.0.1',
        meshId: 'host-app-mesh',
        password: 'host-app-password',
        encryption: 'none',
        discovery: false,
        dataDir,
        acceptUnknownPeers: true,
        reconnectMinMs: 200,
        reconnectMaxMs: 1000,
      }),
      CallDataModule.forRoot({}),
      TerminusModule,
      AdminModule.forRootAsync({
        ...routes,
        // The mesh's metrics on the host's registry where the host serves /metrics itself.
        useFactory: () => ({
          adminToken: token,
          dataDir,
          ...(routes.metrics === false ? { registry } : {}),
          ...factoryExtra,
        }),
      }),
    ],
    // The host's own /health and /metrics where AdminModule's are switched off.
    controllers: [
      HostCallsController,
      ...(routes.health === false ? [HostHealthController] : []),
      ...(routes.metrics === false ? [HostMetricsController] : []),
    ],
    providers: [{ provide: Registry, useValue: registry }],
  })
  class HostModule {}

  const app = await NestFactory.create<NestExpressApplication>(HostModule, {
    logger: ['error', 'warn'],
    // A refused option rejects here instead of ending the test process.
    abortOnError: false,
  });
  app.setGlobalPrefix(prefix);
  useAdminBodyParser(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), token, registry, meshPort: app.get(LinkService).port };
}
