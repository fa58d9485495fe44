import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigurableAdminModule } from './admin-module.options.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { AdminTokenService } from './auth/admin-token.service.js';
import { CallDataController } from './calldata/calldata.controller.js';
import { AdminPageController } from './page/admin-page.controller.js';
import { HealthController } from './health/health.controller.js';
import { HttpErrorBodyFilter } from './http-error-body.filter.js';
import { MeshHealthIndicator } from './health/mesh.health.js';
import { LicenseController } from './license/license.controller.js';
import { MeshEventsController } from './mesh/mesh-events.controller.js';
import { MeshNodesController } from './mesh/mesh-nodes.controller.js';
import { MeshOverviewService } from './mesh/mesh-overview.service.js';
import { MeshController } from './mesh/mesh.controller.js';
import { AdminTokenMetrics } from './metrics/admin-token.metrics.js';
import { CallDataMetrics } from './metrics/calldata.metrics.js';
import { HandshakeFailureMetrics } from './metrics/handshake-failure.metrics.js';
import { LinkTrafficMetrics } from './metrics/link-traffic.metrics.js';
import { MeshStateMetrics } from './metrics/mesh-state.metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';

/**
 * Admin REST API (bearer token), health, metrics and the admin page of a node. The mesh routes use
 * the services of `MeshModule.forRoot/forRootAsync`, which the application imports (it is global);
 * CallData routes and metrics those of `CallDataModule`.
 */
@Module({
  imports: [TerminusModule],
  controllers: [
    HealthController,
    MeshController,
    MeshNodesController,
    MeshEventsController,
    LicenseController,
    CallDataController,
    AdminPageController,
    MetricsController,
  ],
  providers: [
    AdminTokenService,
    AdminTokenGuard,
    MeshOverviewService,
    MeshHealthIndicator,
    MetricsService,
    MeshStateMetrics,
    LinkTrafficMetrics,
    HandshakeFailureMetrics,
    CallDataMetrics,
    AdminTokenMetrics,
    // Errors of the body parser, too, answer in the API's `{statusCode, error, message}` form.
    { provide: APP_FILTER, useClass: HttpErrorBodyFilter },
  ],
  exports: [AdminTokenService, AdminTokenGuard],
})
export class AdminModule extends ConfigurableAdminModule {}
