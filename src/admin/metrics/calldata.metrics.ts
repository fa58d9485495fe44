import { Injectable, Optional } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { CallDataWriter, REFUSAL_REASONS, ReplicationAudit } from '../../calldata/internal.js';
import { MetricsService } from './metrics.service.js';
import { REPLICATION_LAG_BUCKETS, replicationLagSeconds } from './replication-lag.js';

/**
 * CallData replication, observed on the writer's commits (no database read). Registers nothing
 * when the application has no CallDataModule.
 */
@Injectable()
export class CallDataMetrics {
  constructor(
    metrics: MetricsService,
    @Optional() writer?: CallDataWriter,
    @Optional() audit?: ReplicationAudit,
  ) {
    if (!writer) return;
    const registers = [metrics.registry];
    const lag = new Histogram({
      name: 'ucmesh_calldata_replication_lag_seconds',
      help: "From a replicated change's stamp at its origin to its commit on this node (live and catch-up)",
      buckets: REPLICATION_LAG_BUCKETS,
      registers,
    });
    const changes = new Counter({
      name: 'ucmesh_calldata_changes_total',
      help: "CallData changes replicated: in = peers' changes applied here, out = this node's logged for the peers",
      labelNames: ['direction'],
      registers,
    });
    changes.inc({ direction: 'in' }, 0);
    changes.inc({ direction: 'out' }, 0);
    if (audit) {
      const refused = new Counter({
        name: 'ucmesh_calldata_refused_total',
        help: 'CallData changes and progress entries from peers refused (docs/SECURITY.md), by reason',
        labelNames: ['reason'],
        registers,
      });
      for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);
      audit.onRefused((reason, count) => refused.inc({ reason }, count));
    }
    writer.onCommitted(({ remoteStamps, replicate }) => {
      const now = Date.now();
      for (const stamp of remoteStamps) lag.observe(replicationLagSeconds(stamp, now));
      if (remoteStamps.length > 0) changes.inc({ direction: 'in' }, remoteStamps.length);
      if (replicate.length > 0) changes.inc({ direction: 'out' }, replicate.length);
    });
  }
}
