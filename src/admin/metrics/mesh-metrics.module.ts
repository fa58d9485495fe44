import { ConfigurableModuleBuilder, type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { AdminOptionsError } from '../admin-options.error.js';
import { isRegistry } from './is-registry.js';
import { MESH_METRICS_PROVIDERS } from './mesh-metrics.providers.js';
import { MESH_METRICS_REGISTRY, MetricsService } from './metrics.service.js';

export interface MeshMetricsModuleOptions {
  /**
   * The host's Prometheus registry to register the mesh's metrics on, e.g. prom-client's global
   * `register`. Default: a registry of the module's own (with the process metrics), read through
   * the exported `MetricsService`.
   */
  registry?: Registry;
}

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<MeshMetricsModuleOptions>().setClassMethodName('forRoot').build();

/** The host's registry, if any; throws AdminOptionsError for anything that is not one. */
function checkedRegistry(options: MeshMetricsModuleOptions | undefined): Registry | undefined {
  const registry = options?.registry;
  if (registry !== undefined && !isRegistry(registry)) {
    throw new AdminOptionsError(['registry must be a prom-client Registry or left out'], 'MeshMetricsModule');
  }
  return registry;
}

/**
 * The mesh's Prometheus metrics (`ucmesh_*`) without the admin API, for a host that serves its
 * own `/metrics`: `MeshMetricsModule.forRoot({ registry })`. Needs `MeshModule` (and
 * `CallDataModule` for the CallData metrics). Not beside AdminModule, which has them already (its
 * own `registry` option).
 */
@Module({
  providers: [
    ...MESH_METRICS_PROVIDERS,
    {
      provide: MESH_METRICS_REGISTRY,
      inject: [MODULE_OPTIONS_TOKEN],
      // forRootAsync's factory result is checked here, when the application starts.
      useFactory: checkedRegistry,
    },
  ],
  exports: [MetricsService],
})
export class MeshMetricsModule extends ConfigurableModuleClass {
  /** Checks the options at once, where the host calls it. */
  static override forRoot(options: MeshMetricsModuleOptions = {}): DynamicModule {
    checkedRegistry(options);
    return super.forRoot(options);
  }
}
