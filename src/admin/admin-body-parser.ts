import type { NestExpressApplication } from '@nestjs/platform-express';

/** Largest JSON body of the admin API: a CallData PUT at its limits, escaped at worst. */
export const ADMIN_BODY_LIMIT = '2mb';

/**
 * JSON bodies up to `ADMIN_BODY_LIMIT`: Express's default of 100 kB would refuse CallData the
 * limits allow (64 fields of 4096 characters). Call before `listen`.
 */
export function useAdminBodyParser(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: ADMIN_BODY_LIMIT });
}
