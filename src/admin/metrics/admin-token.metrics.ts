import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AdminTokenService } from '../auth/admin-token.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * Admin-token guessing: wrong tokens, requests refused while their address was locked out, and
 * lockouts. Copied from the lockout's running totals when scraped; no label per address, whose
 * number an attacker chooses.
 */
@Injectable()
export class AdminTokenMetrics {
  constructor(metrics: MetricsService, tokens: AdminTokenService) {
    const registers = [metrics.registry];
    const totals = tokens.lockout.totals;
    new Counter({
      name: 'ucmesh_admin_token_refusals_total',
      help: 'Requests to /api refused for their admin token: wrong (401), or from a locked-out address (429)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.inc({ reason: 'wrong' }, totals.wrong);
        this.inc({ reason: 'locked-out' }, totals.refused);
      },
    });
    new Counter({
      name: 'ucmesh_admin_token_lockouts_total',
      help: 'Client addresses locked out of /api after too many different wrong admin tokens',
      registers,
      collect() {
        this.reset();
        this.inc(totals.lockouts);
      },
    });
  }
}
