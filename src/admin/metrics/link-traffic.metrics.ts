import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { LinkService } from '../../mesh/index.js';
import { MetricsService } from './metrics.service.js';

/**
 * Frames and bytes over the mesh links. The link hot path only adds to plain numbers
 * (LinkService.traffic); the counters copy those totals when scraped, so prom-client costs
 * nothing per frame.
 */
@Injectable()
export class LinkTrafficMetrics {
  constructor(metrics: MetricsService, link: LinkService) {
    const registers = [metrics.registry];
    const traffic = link.traffic;
    new Counter({
      name: 'ucmesh_link_messages_total',
      help: 'Frames over mesh links (messages, requests, replies, heartbeats), by direction',
      labelNames: ['direction'],
      registers,
      collect() {
        this.reset();
        this.inc({ direction: 'in' }, traffic.framesIn);
        this.inc({ direction: 'out' }, traffic.framesOut);
      },
    });
    new Counter({
      name: 'ucmesh_link_bytes_total',
      help: 'Bytes of those frames, length prefixes included, before TLS, by direction',
      labelNames: ['direction'],
      registers,
      collect() {
        this.reset();
        this.inc({ direction: 'in' }, traffic.bytesIn);
        this.inc({ direction: 'out' }, traffic.bytesOut);
      },
    });
  }
}
