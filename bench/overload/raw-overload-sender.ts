// Sender of the raw-socket baseline: writes every frame and ignores what `write()` returns.
import { once } from 'node:events';
import { connect } from 'node:net';
import { runWorker } from '../common/worker.js';
import { callState } from '../link/call-state.js';
import { encodeJsonFrame } from '../link/raw-framing.js';
import { hitRssCap, type OverloadSenderConfig, type OverloadSenderResult } from './overload.types.js';
import { produce } from './produce.js';

runWorker<OverloadSenderConfig>(async (channel) => {
  const { config } = channel;
  const socket = connect({ host: '127.0.0.1', port: config.port, noDelay: true });
  await once(socket, 'connect');
  const sent = await produce(config, (seq) => {
    socket.write(encodeJsonFrame(callState(seq)));
    return true;
  });
  const droppedBacklog = hitRssCap(sent.stoppedBy);
  if (droppedBacklog) socket.destroy();
  const result: OverloadSenderResult = { ...sent, droppedBacklog };
  await channel.report({ type: 'result', result });
  await channel.stopped;
  socket.destroy();
});
