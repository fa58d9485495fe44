import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigurableAdminModule } from './admin-module.options.js';
import { AdminTokenGuard } from './auth/admin-token.guard.js';
import { AdminTokenService } from './auth/admin-token.service.js';
import { HealthController } from './health/health.controller.js';

/** Admin REST API (bearer token), health and the admin page of a node. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [AdminTokenService, AdminTokenGuard],
  exports: [AdminTokenService, AdminTokenGuard],
})
export class AdminModule extends ConfigurableAdminModule {}
