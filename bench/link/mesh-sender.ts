// Sender over a UC Mesh link: `send` for throughput, `request` for round trips.
import { LinkService } from '../../src/mesh/link/link.service.js';
import { ProcessMeter } from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import {
  BULK_BYTES,
  BULK_TOPIC,
  CALL_STATE_TOPIC,
  callState,
  ECHO_TOPIC,
  REQUEST_TIMEOUT_MS,
} from './call-state.js';
import type { BulkRoundTripResult, SenderConfig, ThroughputSenderResult } from './link-bench.types.js';
import { linkTo, startMeshNode } from './mesh-node.js';
import { pipelined } from './pipelined.js';
import { roundTrips } from './round-trips.js';

runWorker<SenderConfig>(async (channel) => {
  const { config } = channel;
  if (!config.mesh || config.nodeId === undefined) {
    throw new Error('the mesh sender needs a mesh node configuration and the receiver node ID');
  }
  const app = await startMeshNode(config.mesh);
  const transport = await linkTo(app, config.port);
  const link = app.get(LinkService);
  const { nodeId } = config;
  const result =
    config.mode === 'throughput'
      ? await stream(link, nodeId, config)
      : config.mode === 'pipelined'
        ? await pipelined(config, (id) => echo(link, nodeId, id))
        : config.mode === 'bulk-round-trip'
          ? await underBulk(link, nodeId, config)
          : await roundTrips((id) => echo(link, nodeId, id), config);
  await channel.report({ type: 'result', result: { ...result, transport } });
  // From here on both nodes shut down and their links report that as warnings: expected.
  app.useLogger(['error']);
  await channel.stopped;
  await app.close();
});

/** Awaits every `send`: it resolves at once below the link's high-water mark, else on drain. */
async function stream(
  link: LinkService,
  nodeId: string,
  config: SenderConfig,
): Promise<ThroughputSenderResult> {
  const deadline = performance.now() + config.timeLimitMs;
  const meter = new ProcessMeter();
  let sent = 0;
  while (sent < config.count && ((sent & 1023) !== 0 || performance.now() < deadline)) {
    await link.send(nodeId, CALL_STATE_TOPIC, callState(sent));
    sent++;
  }
  return { sent, ...meter.stop() };
}

/**
 * Round trips, one in flight, while 4 MiB messages go back to back on the same link (each `send`
 * awaited: it waits for the socket to drain above the high-water mark).
 */
async function underBulk(
  link: LinkService,
  nodeId: string,
  config: SenderConfig,
): Promise<BulkRoundTripResult> {
  const bulk = Buffer.alloc(BULK_BYTES, 7);
  let streaming = true;
  let bulkMessages = 0;
  const startedAt = performance.now();
  const stream = (async () => {
    while (streaming) {
      await link.send(nodeId, BULK_TOPIC, bulk);
      bulkMessages++;
    }
  })();
  try {
    const result = await roundTrips((id) => echo(link, nodeId, id), config);
    const sent = bulkMessages;
    const seconds = (performance.now() - startedAt) / 1000;
    return { ...result, bulkMessages: sent, bulkMiBPerSecond: (sent * BULK_BYTES) / 1024 / 1024 / seconds };
  } finally {
    streaming = false;
    await stream;
  }
}

/** Request `id` to the echo handler; checks that the answer is its own. */
async function echo(link: LinkService, nodeId: string, id: number): Promise<void> {
  const answer = await link.request(nodeId, ECHO_TOPIC, callState(id), { timeoutMs: REQUEST_TIMEOUT_MS });
  if ((answer as { ts?: unknown } | null)?.ts !== callState(id).ts) throw new Error(`wrong answer to ${id}`);
}
