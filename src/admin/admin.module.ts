import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigurableAdminModule } from './admin-module.options.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { AdminTokenService } from './auth/admin-token.service.js';
import { CallDataController } from './calldata/calldata.controller.js';
import { HealthController } from './health/health.controller.js';
import { LicenseController } from './license/license.controller.js';
import { MeshEventsController } from './mesh/mesh-events.controller.js';
import { MeshNodesController } from './mesh/mesh-nodes.controller.js';
import { MeshOverviewService } from './mesh/mesh-overview.service.js';
import { MeshController } from './mesh/mesh.controller.js';

/**
 * Admin REST API (bearer token), health and the admin page of a node. The mesh routes use the
 * services of `MeshModule.forRoot/forRootAsync`, which the application imports (it is global).
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
  ],
  providers: [AdminTokenService, AdminTokenGuard, MeshOverviewService],
  exports: [AdminTokenService, AdminTokenGuard],
})
export class AdminModule extends ConfigurableAdminModule {}
