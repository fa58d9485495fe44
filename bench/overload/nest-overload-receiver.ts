// Receiver of the Nest microservices peer whose event handler is slow; Nest reads on regardless.
import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC } from '../link/call-state.js';
import { startTcpMicroservice } from '../link/nest-microservice.js';
import { ThroughputSink } from '../link/throughput-sink.js';
import type { OverloadReceiverConfig } from './overload.types.js';
import { reportWhenDrained } from './receiver-drain.js';
import { SlowConsumer } from './slow-consumer.js';

let consumer: SlowConsumer | undefined;

/** A host application's controller with an asynchronous event handler, as the mesh receiver's. */
@Controller()
class SlowCallStateController {
  @EventPattern(CALL_STATE_TOPIC)
  async onCallState(payload: unknown): Promise<void> {
    await consumer?.handle(payload);
  }
}

@Module({ controllers: [SlowCallStateController] })
class NestOverloadReceiverModule {}

runWorker<OverloadReceiverConfig>(async (channel) => {
  const sink = new ThroughputSink(Number.MAX_SAFE_INTEGER);
  consumer = new SlowConsumer(channel.config.handler, sink);
  const { app, port } = await startTcpMicroservice(NestOverloadReceiverModule);
  await channel.report({ type: 'ready', port });
  await reportWhenDrained(channel, sink, consumer);
  await channel.stopped;
  await app.close();
});
