import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Registry } from 'prom-client';

/** The options `forRoot` takes, or `forRootAsync`'s factory returns; checked when the module starts. */
export interface AdminModuleOptions {
  /** Bearer token for `<basePath>/api/*`; unset ⇒ generated once into `<dataDir>/admin-token` (mode 0600). */
  adminToken?: string;
  /** Folder of the generated token. */
  dataDir: string;
  /**
   * The host's Prometheus registry to register the mesh's metrics on, e.g. prom-client's global
   * `register`. Default: a registry of the module's own, with Node.js's default process metrics.
   */
  registry?: Registry;
}

/**
 * Options that shape the routes, so they are given beside `useFactory` in `forRootAsync`, not
 * returned by it. Checked when `forRoot`/`forRootAsync` is called.
 */
export interface AdminModuleRoutes {
  /**
   * Path the module's routes are mounted under (after the application's global prefix), through
   * Nest's `RouterModule`: `mesh` ⇒ `/mesh/admin`, `/mesh/api/*`, `/mesh/health`, `/mesh/metrics`.
   * Default `''`: at the root.
   */
  basePath?: string;
  /** `GET <basePath>/health` (terminus: database and mesh). Default `true`. */
  health?: boolean;
  /** `GET <basePath>/metrics` (Prometheus). Default `true`. */
  metrics?: boolean;
}

/** The defaults of `AdminModuleRoutes`. */
export const ADMIN_ROUTE_DEFAULTS: Required<AdminModuleRoutes> = {
  basePath: '',
  health: true,
  metrics: true,
};

export const {
  ConfigurableModuleClass: ConfigurableAdminModule,
  MODULE_OPTIONS_TOKEN: ADMIN_MODULE_OPTIONS,
  OPTIONS_TYPE: ADMIN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ADMIN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AdminModuleOptions>()
  .setClassMethodName('forRoot')
  // Extras are kept out of the options provider; AdminModule turns them into its routes.
  .setExtras<AdminModuleRoutes>(ADMIN_ROUTE_DEFAULTS)
  .build();
