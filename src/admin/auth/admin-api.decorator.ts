import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard.js';

/** A controller under `/api/<path>` that only the admin token may use. */
export function AdminApi(path: string): ClassDecorator {
  return applyDecorators(Controller(`api/${path}`), UseGuards(AdminTokenGuard));
}
