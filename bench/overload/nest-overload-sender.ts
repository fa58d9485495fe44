// Sender of the Nest microservices peer: `emit` fired and forgotten, as a typical caller does.
import type { Socket } from 'node:net';
import { type ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC, callState } from '../link/call-state.js';
import { hitRssCap, type OverloadSenderConfig, type OverloadSenderResult } from './overload.types.js';
import { produce } from './produce.js';

runWorker<OverloadSenderConfig>(async (channel) => {
  const { config } = channel;
  const client = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: config.port },
  });
  await client.connect();
  // `emit` starts at once (its observable is hot) and offers no backpressure: nobody subscribes,
  // so its errors, too, go unseen.
  const sent = await produce(config, (seq) => {
    void client.emit(CALL_STATE_TOPIC, callState(seq));
    return true;
  });
  const droppedBacklog = hitRssCap(sent.stoppedBy);
  if (droppedBacklog) dropBacklog(client);
  const result: OverloadSenderResult = { ...sent, droppedBacklog };
  await channel.report({ type: 'result', result });
  await channel.stopped;
  client.close();
});

/** `close()` would end the socket after its backlog; a process at its memory limit loses it. */
function dropBacklog(client: ClientProxy): void {
  try {
    client.unwrap<Socket>().destroy();
  } catch {
    // No socket right now (Nest dropped it and has not reconnected): it holds nothing.
  }
}
