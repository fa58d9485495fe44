import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** `GET <basePath>/metrics` without a token, like `/health`: Prometheus scrapes it. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.metrics.scrape();
    // The registry's own type: the host's registry may answer in OpenMetrics.
    response.type(this.metrics.contentType);
    return text;
  }
}
