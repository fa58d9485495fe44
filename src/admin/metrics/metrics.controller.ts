import { Controller, Get, Header } from '@nestjs/common';
import { METRICS_CONTENT_TYPE, MetricsService } from './metrics.service.js';

/** `GET /metrics` without a token, like `/health`: Prometheus scrapes it. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
