import type { Provider } from '@nestjs/common';
import { CallDataMetrics } from './calldata.metrics.js';
import { HandshakeFailureMetrics } from './handshake-failure.metrics.js';
import { LinkTrafficMetrics } from './link-traffic.metrics.js';
import { MeshStateMetrics } from './mesh-state.metrics.js';
import { MetricsService } from './metrics.service.js';
import { TopologyMetrics } from './topology.metrics.js';

/**
 * The registry and the mesh's collectors on it. The module that lists them also provides
 * `MESH_METRICS_REGISTRY` (the host's registry or `undefined`).
 */
export const MESH_METRICS_PROVIDERS: Provider[] = [
  MetricsService,
  MeshStateMetrics,
  LinkTrafficMetrics,
  HandshakeFailureMetrics,
  CallDataMetrics,
  TopologyMetrics,
];
