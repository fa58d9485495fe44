import { Controller, Get, Header, Res } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** The part of Express's response used here; the declarations then need no Express types. */
interface ContentTypeResponse {
  type(contentType: string): unknown;
}

/** `GET <basePath>/metrics` without a token, like `/health`: Prometheus scrapes it. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) response: ContentTypeResponse): Promise<string> {
    const text = await this.metrics.scrape();
    // The registry's own type: the host's registry may answer in OpenMetrics.
    response.type(this.metrics.contentType);
    return text;
  }
}
