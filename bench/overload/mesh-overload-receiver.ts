// Receiver over a UC Mesh link whose handler is slow: the link's flow control holds the sender back.
import { Injectable } from '@nestjs/common';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { OnMeshMessage } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC } from '../link/call-state.js';
import { startMeshNode } from '../link/mesh-node.js';
import { ThroughputSink } from '../link/throughput-sink.js';
import type { OverloadReceiverConfig } from './overload.types.js';
import { reportWhenDrained } from './receiver-drain.js';
import { SlowConsumer } from './slow-consumer.js';

let consumer: SlowConsumer | undefined;

/** A host application's provider with an asynchronous handler, as a database write would be. */
@Injectable()
class SlowCallStateHandler {
  @OnMeshMessage(CALL_STATE_TOPIC)
  async onCallState(payload: unknown): Promise<void> {
    await consumer?.handle(payload);
  }
}

runWorker<OverloadReceiverConfig>(async (channel) => {
  const { config } = channel;
  if (!config.mesh) throw new Error('the mesh receiver needs a mesh node configuration');
  const sink = new ThroughputSink(Number.MAX_SAFE_INTEGER);
  consumer = new SlowConsumer(config.handler, sink);
  const app = await startMeshNode(config.mesh, [SlowCallStateHandler]);
  await channel.report({
    type: 'ready',
    port: app.get(LinkService).port,
    nodeId: app.get(NodeIdentityService).nodeId,
  });
  await reportWhenDrained(channel, sink, consumer);
  // The sender's node shuts down next and this node's link reports that as a warning: expected.
  app.useLogger(['error']);
  await channel.stopped;
  await app.close();
});
