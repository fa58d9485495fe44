import { type DynamicModule, Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  ADMIN_ASYNC_OPTIONS_TYPE,
  ADMIN_MODULE_OPTIONS,
  ADMIN_OPTIONS_TYPE,
  type AdminModuleRoutes,
  ConfigurableAdminModule,
} from './admin-module.options.js';
import { checkAdminOptions, checkAdminRoutes } from './admin-options-validation.js';
import { ADMIN_BASE_PATH, AdminRoutes } from './admin-routes.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { AdminTokenService } from './auth/admin-token.service.js';
import { CallDataController } from './calldata/calldata.controller.js';
import { HealthController } from './health/health.controller.js';
import { MeshHealthModule } from './health/mesh-health.module.js';
import { LicenseController } from './license/license.controller.js';
import { MeshEventsController } from './mesh/mesh-events.controller.js';
import { MeshNodesController } from './mesh/mesh-nodes.controller.js';
import { MeshOverviewService } from './mesh/mesh-overview.service.js';
import { MeshController } from './mesh/mesh.controller.js';
import { MeshTopologyController } from './mesh/mesh-topology.controller.js';
import { MeshTlsController } from './mesh/mesh-tls.controller.js';
import { MeshDiagnoseController } from './mesh/mesh-diagnose.controller.js';
import { AdminTokenMetrics } from './metrics/admin-token.metrics.js';
import { MESH_METRICS_PROVIDERS } from './metrics/mesh-metrics.providers.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MESH_METRICS_REGISTRY, MetricsService } from './metrics/metrics.service.js';
import { AdminPageController } from './page/admin-page.controller.js';

/**
 * Admin REST API (bearer token), health, metrics and the admin page of a node, under the
 * application's global prefix and `basePath`. The mesh routes use the services of
 * `MeshModule.forRoot/forRootAsync`, which the application imports (it is global); CallData
 * routes and metrics those of `CallDataModule`. Its error answers are its controllers' own: it
 * registers no global filter. Exports the mesh's health indicator (`MeshHealthModule`) and the
 * metrics registry (`MetricsService`) for the host's own `/health` and `/metrics`.
 */
@Module({
  imports: [TerminusModule, MeshHealthModule],
  controllers: [
    MeshController,
    MeshNodesController,
    MeshEventsController,
    MeshTopologyController,
    MeshTlsController,
    MeshDiagnoseController,
    LicenseController,
    CallDataController,
    AdminPageController,
  ],
  providers: [
    AdminTokenService,
    AdminTokenGuard,
    MeshOverviewService,
    AdminRoutes,
    ...MESH_METRICS_PROVIDERS,
    AdminTokenMetrics,
    {
      // Checks the options (whatever forRootAsync's factory returned) when the application starts.
      provide: MESH_METRICS_REGISTRY,
      inject: [ADMIN_MODULE_OPTIONS],
      useFactory: (options: unknown) => checkAdminOptions(options).registry,
    },
  ],
  exports: [AdminTokenService, AdminTokenGuard, MeshHealthModule, MetricsService],
})
export class AdminModule extends ConfigurableAdminModule {
  /** `basePath`, `health` and `metrics` (AdminModuleRoutes) beside the AdminModuleOptions. */
  static override forRoot(options: typeof ADMIN_OPTIONS_TYPE): DynamicModule {
    return withRoutes(super.forRoot(options), options);
  }

  /** `basePath`, `health` and `metrics` beside `useFactory`; the factory returns AdminModuleOptions. */
  static override forRootAsync(options: typeof ADMIN_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withRoutes(super.forRootAsync(options), options);
  }
}

/** The routes the options ask for; `basePath` through Nest's RouterModule, so the controllers keep their own paths. */
function withRoutes(definition: DynamicModule, options: AdminModuleRoutes): DynamicModule {
  const { basePath, health, metrics } = checkAdminRoutes({
    basePath: options.basePath,
    health: options.health,
    metrics: options.metrics,
  });
  // At the root no RouterModule: a host may then mount AdminModule in its own RouterModule tree.
  const router = basePath === '' ? [] : [RouterModule.register([{ path: basePath, module: AdminModule }])];
  return {
    ...definition,
    imports: [...(definition.imports ?? []), ...router],
    controllers: [...(health ? [HealthController] : []), ...(metrics ? [MetricsController] : [])],
    providers: [...(definition.providers ?? []), { provide: ADMIN_BASE_PATH, useValue: basePath }],
  };
}
