import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The Prometheus text format (0.0.4) of the module's own registry. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Token of the host's registry the mesh's metrics go on; its value may be `undefined` (none given). */
export const MESH_METRICS_REGISTRY = Symbol('MESH_METRICS_REGISTRY');

/**
 * The Prometheus registry the mesh's metric providers register on: the host's when it gave one
 * (option `registry`), else one of this application's own — not prom-client's global one, as two
 * nodes in one process (the in-process tests, or a host running two applications) would
 * otherwise register the same metric names twice.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry;

  constructor(@Optional() @Inject(MESH_METRICS_REGISTRY) hostRegistry?: Registry) {
    if (hostRegistry) {
      // The host's registry is the host's: its content type and default metrics are its choice.
      this.registry = hostRegistry;
      return;
    }
    this.registry = new Registry();
    this.registry.setContentType(METRICS_CONTENT_TYPE);
    // Process and Node.js metrics under their usual names, which ready-made dashboards expect.
    collectDefaultMetrics({ register: this.registry });
  }

  /** The content type `scrape()` answers in. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the text format; gauges and totals read at scrape time are computed now. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
