import { applyDecorators, Controller, UseGuards, UseInterceptors } from '@nestjs/common';
import { DatabaseUnavailableInterceptor } from '../database/database-unavailable.interceptor.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/**
 * A controller under `/api/<path>` that only the admin token may use; a database outage answers
 * 503, not 500.
 */
export function AdminApi(path: string): ClassDecorator {
  return applyDecorators(
    Controller(`api/${path}`),
    UseGuards(AdminTokenGuard),
    UseInterceptors(DatabaseUnavailableInterceptor),
  );
}
