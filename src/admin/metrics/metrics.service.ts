import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The Prometheus text format (0.0.4) that `GET /metrics` answers in. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * The Prometheus registry of this application, which the metric providers register on. Its own
 * rather than prom-client's global one: two nodes in one process (the in-process tests, or a host
 * running two applications) would otherwise register the same metric names twice.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    // Pinned, so the controller's constant header is this registry's content type.
    this.registry.setContentType(METRICS_CONTENT_TYPE);
    // Process and Node.js metrics under their usual names, which ready-made dashboards expect.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Every metric in the text format; gauges and totals read at scrape time are computed now. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
