// Receiver of the CallData suite: a node that counts the updates replicated to it, as a host
// application listening to `calldata.updated` does.
import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { CallDataUpdated } from '../../src/calldata/calldata.js';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import {
  cpuShare,
  eventLoopBusy,
  type EventLoopUtilization,
  GcTimer,
  summarizeLatencies,
} from '../common/stats.js';
import { runWorker } from '../common/worker.js';
import type { CallDataReceiverConfig, ReceiverResult } from './calldata-bench.types.js';
import { indexOfCall, wallNow } from './calldata-fields.js';
import { startCallDataNode } from './calldata-node.js';
import { prefillAndAnalyze } from './prefill.js';

/** The counter of the running benchmark; set before the node starts. */
let counter: UpdateCounter | undefined;

/** A host application's provider listening to CallData updates. */
@Injectable()
class CallDataListener {
  @OnEvent('calldata.updated')
  onUpdated(event: CallDataUpdated): void {
    counter?.accept(event);
  }
}

/** Counts replicated updates, times the first and the last, and takes each one's lag. */
class UpdateCounter {
  /** Settles with the last expected update, or at the drain limit once the count is final. */
  readonly done: Promise<void>;
  private readonly lagsUs: Float64Array;
  private measured = 0;
  private updates = 0;
  private invalid = 0;
  private firstAt = Number.NaN;
  private lastAt = Number.NaN;
  private expected: number;
  private cpuStart?: NodeJS.CpuUsage;
  private loopStart?: EventLoopUtilization;
  private gc?: GcTimer;
  private cpu = Number.NaN;
  private eventLoop = Number.NaN;
  private gcMs = Number.NaN;
  private finished = false;
  private finish!: () => void;

  constructor(private readonly config: CallDataReceiverConfig) {
    this.expected = config.count;
    this.lagsUs = new Float64Array(config.count);
    this.done = new Promise((done) => (this.finish = done));
  }

  accept({ source, callData }: CallDataUpdated): void {
    if (source !== 'remote') return;
    const now = wallNow();
    if (this.updates === 0) {
      this.firstAt = now;
      this.cpuStart = process.cpuUsage();
      this.loopStart = performance.eventLoopUtilization();
      this.gc = new GcTimer();
    }
    this.lastAt = now;
    this.updates++;
    const index = indexOfCall(callData.callLinkageId);
    const sentAt = Number(callData.fields.sentAt);
    if (index < 0 || !Number.isFinite(sentAt)) this.invalid++;
    else if (index >= this.config.warmup && this.measured < this.lagsUs.length) {
      this.lagsUs[this.measured++] = (now - sentAt) * 1000;
    }
    if (this.updates >= this.expected) this.complete();
  }

  /** The number of sets the sender actually made. */
  expect(count: number): void {
    this.expected = count;
    if (this.updates >= count) this.complete();
    else setTimeout(() => this.complete(), this.config.drainLimitMs).unref();
  }

  result(): ReceiverResult {
    return {
      updates: this.updates,
      invalid: this.invalid,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      lagUs: summarizeLatencies(this.lagsUs.subarray(0, this.measured)),
      cpu: this.cpu,
      eventLoop: this.eventLoop,
      gcMs: this.gcMs,
    };
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.cpuStart) this.cpu = cpuShare(this.cpuStart, this.lastAt - this.firstAt);
    if (this.loopStart) this.eventLoop = eventLoopBusy(this.loopStart);
    if (this.gc) this.gcMs = this.gc.stop();
    this.finish();
  }
}

runWorker<CallDataReceiverConfig>(async (channel) => {
  const { config } = channel;
  const app = await startCallDataNode(config.node, [CallDataListener]);
  // The prefill's updates are not counted: the counter starts after it.
  if (config.prefill > 0) await prefillAndAnalyze(app, config.prefill);
  const active = new UpdateCounter(config);
  counter = active;
  channel.whenSenderDone((count) => {
    active.expect(count);
    // The sender's node shuts down after the result and this node's link reports that: expected.
    app.useLogger(['error']);
  });
  await channel.report({
    type: 'ready',
    port: app.get(LinkService).port,
    nodeId: app.get(NodeIdentityService).nodeId,
  });
  await Promise.race([active.done, channel.stopped]);
  await channel.report({ type: 'result', result: active.result() });
  await channel.stopped;
  await app.close();
});
