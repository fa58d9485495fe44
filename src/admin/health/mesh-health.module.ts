import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MeshHealthIndicator } from './mesh.health.js';

/**
 * The mesh's terminus indicator for a host's own `/health`: import this module (AdminModule
 * exports it too) and add `() => meshHealth.isHealthy('mesh')` to its `HealthCheckService.check`.
 * Needs `MeshModule`.
 */
@Module({
  imports: [TerminusModule],
  providers: [MeshHealthIndicator],
  exports: [MeshHealthIndicator],
})
export class MeshHealthModule {}
