// Sender over a UC Mesh link, backpressure policy `wait` or `reject`, faster than the receiver.
import { BackpressureError } from '../../src/mesh/link/link.errors.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC, callState } from '../link/call-state.js';
import { linkTo, startMeshNode } from '../link/mesh-node.js';
import type { OverloadSenderConfig, OverloadSenderResult } from './overload.types.js';
import { type Offer, produce } from './produce.js';

runWorker<OverloadSenderConfig>(async (channel) => {
  const { config } = channel;
  const { nodeId, backpressure } = config;
  if (!config.mesh || nodeId === undefined || backpressure === undefined) {
    throw new Error('the mesh sender needs a mesh node configuration, the receiver node ID and a policy');
  }
  const app = await startMeshNode(config.mesh, [], { mesh: { backpressure } });
  const transport = await linkTo(app, config.port);
  const link = app.get(LinkService);
  const send = (seq: number) => link.send(nodeId, CALL_STATE_TOPIC, callState(seq));
  // `wait`: every send is awaited, as the API asks. `reject`: a BackpressureError is the caller's
  // to handle (here: counted and the message given up); any other error ends the run.
  const offer: Offer =
    backpressure === 'wait'
      ? (seq) => send(seq).then(() => true)
      : (seq) =>
          send(seq).then(
            () => true,
            (error: unknown) => {
              if (error instanceof BackpressureError) return false;
              throw error;
            },
          );
  const result: OverloadSenderResult = {
    ...(await produce(config, offer)),
    droppedBacklog: false,
    transport,
  };
  await channel.report({ type: 'result', result });
  // From here on both nodes shut down and their links report that as warnings: expected.
  app.useLogger(['error']);
  await channel.stopped;
  await app.close();
});
