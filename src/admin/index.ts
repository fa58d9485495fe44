// Entry point `uc-mesh/admin`: the admin API and page, health and metrics. Needs the optional
// peers @nestjs/platform-express, express, @nestjs/terminus, prom-client, class-validator, class-transformer.
export { AdminModule } from './admin.module.js';
export { ADMIN_BODY_LIMIT, useAdminBodyParser } from './admin-body-parser.js';
export { AdminApi } from './auth/admin-api.decorator.js';
export { AdminTokenGuard } from './auth/admin-token.guard.js';
export { AdminTokenService } from './auth/admin-token.service.js';
export {
  ADMIN_ROUTE_DEFAULTS,
  type AdminModuleOptions,
  type AdminModuleRoutes,
} from './admin-module.options.js';
export { AdminOptionsError } from './admin-options.error.js';
export { MeshHealthModule } from './health/mesh-health.module.js';
export { MeshHealthIndicator } from './health/mesh.health.js';
export { MeshMetricsModule, type MeshMetricsModuleOptions } from './metrics/mesh-metrics.module.js';
export { METRICS_CONTENT_TYPE, MetricsService } from './metrics/metrics.service.js';
