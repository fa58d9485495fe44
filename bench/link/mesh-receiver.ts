// Receiver over a UC Mesh link: a mesh node whose decorated handlers count or echo.
import { Injectable } from '@nestjs/common';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { OnMeshEvent, OnMeshMessage } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { runWorker } from '../common/worker.js';
import { BULK_BYTES, BULK_TOPIC, CALL_STATE_TOPIC, ECHO_TOPIC } from './call-state.js';
import type { ReceiverConfig } from './link-bench.types.js';
import { startMeshNode } from './mesh-node.js';
import { ThroughputSink } from './throughput-sink.js';

let sink: ThroughputSink | undefined;

/**
 * In `accept` mode the node does not redial the sender after each closed link (as a mesh node
 * would, having registered it at the first link): every link of the run is the sender's dial.
 */
const NO_REDIAL = { reconnectMinMs: 3_600_000, reconnectMaxMs: 3_600_000 };

/** A host application's provider handling the benchmark topics. */
@Injectable()
class CallStateHandlers {
  @OnMeshMessage(CALL_STATE_TOPIC)
  onCallState(payload: unknown): void {
    sink?.accept(payload);
  }

  @OnMeshMessage(ECHO_TOPIC)
  echo(payload: unknown): unknown {
    return payload;
  }

  /** The bulk stream of `bulk-round-trip` runs: checked and dropped. */
  @OnMeshEvent(BULK_TOPIC)
  bulk(payload: Uint8Array): void {
    if (payload.length !== BULK_BYTES) throw new Error(`a bulk message of ${payload.length} bytes`);
  }
}

runWorker<ReceiverConfig>(async (channel) => {
  const { config } = channel;
  if (!config.mesh) throw new Error('the mesh receiver needs a mesh node configuration');
  const active = new ThroughputSink(config.count);
  sink = active;
  const accept = config.mode === 'accept';
  const app = await startMeshNode(config.mesh, [CallStateHandlers], accept ? { mesh: NO_REDIAL } : {});
  // Every closed link of a setup run is reported as a warning: expected.
  if (accept) app.useLogger(['error']);
  channel.whenSenderDone((count) => {
    active.expect(count);
    // The sender's node shuts down next and this node's links report that as warnings: expected.
    app.useLogger(['error']);
  });
  await channel.report({
    type: 'ready',
    port: app.get(LinkService).port,
    nodeId: app.get(NodeIdentityService).nodeId,
  });

  if (config.mode === 'sink') {
    await Promise.race([active.done, channel.stopped]);
    await channel.report({ type: 'result', result: active.result() });
  }
  await channel.stopped;
  await app.close();
});
