// Entry point `uc-mesh/admin`: the admin API and page, health and metrics. Needs the optional
// peers @nestjs/platform-express, @nestjs/terminus, prom-client, class-validator, class-transformer.
export { AdminModule } from './admin.module.js';
export { ADMIN_BODY_LIMIT, useAdminBodyParser } from './admin-body-parser.js';
export { type AdminModuleOptions } from './admin-module.options.js';
export { AdminApi } from './auth/admin-api.decorator.js';
export { AdminTokenGuard } from './auth/admin-token.guard.js';
export { AdminTokenService } from './auth/admin-token.service.js';
