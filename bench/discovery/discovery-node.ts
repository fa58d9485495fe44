// One node on the benchmark's LAN, in a network namespace of its own: a mesh node searching the
// LAN (multicast DNS on its namespace's interface only), with its own PostgreSQL like a standalone node.
import { join } from 'node:path';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { BenchDatabase } from '../common/bench-database.js';
import { runWorker } from '../common/worker.js';
import { startMeshNode } from '../link/mesh-node.js';
import { answerSteps } from '../scale/answer-steps.js';
import { epochMs } from '../scale/clock.js';
import type { DiscoveryNodeConfig, DiscoveryStep, NodeTimes } from './discovery-bench.types.js';
import { PeerSightings } from './peer-sightings.js';

runWorker<DiscoveryNodeConfig>(async (channel) => {
  const { config } = channel;
  const database = await BenchDatabase.start(config.hostDir);
  try {
    const databaseUrl = await database.create(config.database);
    const startingAt = epochMs();
    const app = await startMeshNode(
      { databaseUrl, dataDir: join(config.hostDir, 'node'), encryption: 'starttls-optional' },
      [PeerSightings],
      {
        mesh: {
          host: config.address,
          bind: '0.0.0.0',
          port: config.port,
          discovery: true,
          discoveryIntervalMs: config.intervalMs,
          discoveryInterface: config.address,
          // The product's default: accept unknown nodes while the search is on.
          acceptUnknownPeers: undefined,
          license: config.license,
          licensePublicKey: config.licensePublicKey,
        },
      },
    );
    const times: NodeTimes = {
      processStartedAt: performance.timeOrigin,
      startingAt,
      readyAt: epochMs(),
      postgresPid: database.serverPid(),
    };
    // Dials to nodes of earlier runs that have stopped, and the shutdown at the end: expected.
    app.useLogger(['error']);
    const sightings = app.get(PeerSightings);
    const run = async (step: DiscoveryStep): Promise<unknown> =>
      step.do === 'times' ? times : sightings.until(step.nodeIds, step.limitMs);
    answerSteps(channel, run);
    await channel.report({ type: 'ready', port: config.port, nodeId: app.get(NodeIdentityService).nodeId });
    await channel.stopped;
    await app.close();
  } finally {
    await database.stop();
  }
});
