import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter } from 'prom-client';
import type { MeshEvents } from '../../mesh/index.js';
import { MetricsService } from './metrics.service.js';

/** Links that failed to come up, from `mesh.link.error`: wrong passwords, refusals, unreachable peers. */
@Injectable()
export class HandshakeFailureMetrics {
  private readonly failures: Counter<'reason' | 'direction'>;

  constructor(metrics: MetricsService) {
    this.failures = new Counter({
      name: 'ucmesh_handshake_failures_total',
      // Outbound failures are events of a peer's status: a redial failing for the same reason again
      // does not count again. Reasons are a closed set, so the label stays small.
      help: 'Links that failed to come up, by reason and direction (inbound: every attempt; outbound: when the reason changes)',
      labelNames: ['reason', 'direction'],
      registers: [metrics.registry],
    });
  }

  @OnEvent('mesh.link.error')
  onLinkError({ reason, direction }: MeshEvents['mesh.link.error']): void {
    this.failures.inc({ reason, direction });
  }
}
