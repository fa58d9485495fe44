// Receiver of the Nest microservices peer: a TCP microservice whose decorated handlers count or echo.
import { Controller, Module } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC, ECHO_TOPIC } from './call-state.js';
import type { ReceiverConfig } from './link-bench.types.js';
import { startTcpMicroservice } from './nest-microservice.js';
import { ThroughputSink } from './throughput-sink.js';

let sink: ThroughputSink | undefined;

/** A host application's controller handling the benchmark patterns, as the mesh receiver's provider does. */
@Controller()
class CallStateController {
  @EventPattern(CALL_STATE_TOPIC)
  onCallState(payload: unknown): void {
    sink?.accept(payload);
  }

  @MessagePattern(ECHO_TOPIC)
  echo(payload: unknown): unknown {
    return payload;
  }
}

@Module({ controllers: [CallStateController] })
class NestBenchReceiverModule {}

runWorker<ReceiverConfig>(async (channel) => {
  const { config } = channel;
  if (config.mode === 'accept') throw new Error('link setup runs on mesh stacks only');
  const active = new ThroughputSink(config.count);
  sink = active;
  channel.whenSenderDone((count) => active.expect(count));
  const { app, port } = await startTcpMicroservice(NestBenchReceiverModule);
  await channel.report({ type: 'ready', port });

  if (config.mode === 'sink') {
    await Promise.race([active.done, channel.stopped]);
    await channel.report({ type: 'result', result: active.result() });
  }
  await channel.stopped;
  await app.close();
});
