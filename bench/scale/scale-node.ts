// One node of the scale suite's full mesh: a mesh node driven step by step by the orchestrator.
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { OnMeshMessage } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { processMemory } from '../common/process-memory.js';
import { runWorker } from '../common/worker.js';
import { CALL_STATE_TOPIC, callState } from '../link/call-state.js';
import { startMeshNode } from '../link/mesh-node.js';
import { answerSteps } from './answer-steps.js';
import { epochMs } from './clock.js';
import { FanOutReceipts } from './fan-out-receipts.js';
import { linkFullMesh } from './full-mesh.js';
import type { BroadcastStepResult, MemorySample, ScaleNodeConfig, ScaleStep } from './scale-bench.types.js';

const MEMORY_SETTLE_MS = 1_000;
const MEMORY_SETTLE_ROUNDS = 15;
const MEMORY_STILL_BYTES = 256 * 1024;

let receipts = new FanOutReceipts();

/** A host application's provider receiving the broadcasts. */
@Injectable()
class FanOutHandler {
  @OnMeshMessage(CALL_STATE_TOPIC)
  onCallState(payload: unknown): void {
    receipts.accept(payload);
  }
}

runWorker<ScaleNodeConfig>(async (channel) => {
  const { config } = channel;
  const app = await startMeshNode(config.mesh, [FanOutHandler], {
    mesh: { license: config.license, licensePublicKey: config.licensePublicKey },
  });
  // Duplicate dials resolved while the mesh forms, peers shutting down at the end: expected, and
  // counted by the link step.
  app.useLogger(['error']);
  const link = app.get(LinkService);
  app.get(EventEmitter2).on('mesh.link.down', ({ reason }: { reason: string }) => receipts.linkDown(reason));

  const run = async (step: ScaleStep): Promise<unknown> => {
    switch (step.do) {
      case 'memory':
        return memory(() => link.linkedNodes().length);
      case 'link':
        return linkFullMesh(app, step.peers, step.limitMs);
      case 'arm':
        receipts = new FanOutReceipts();
        return {};
      case 'broadcast':
        return broadcast(link, step.count, step.timeLimitMs);
      case 'collect':
        return receipts.collect(step.expected, step.limitMs);
    }
  };
  answerSteps(channel, run);
  await channel.report({ type: 'ready', port: link.port, nodeId: app.get(NodeIdentityService).nodeId });
  await channel.stopped;
  await app.close();
});

/**
 * Memory after full collections (`--expose-gc`), so that garbage does not count as cost. V8 hands
 * freed pages back to the system from background threads, which lag on a busy machine: the sample
 * is taken once RSS holds still from one collection to the next (a second apart), at most
 * `MEMORY_SETTLE_ROUNDS` times; else start-up's leftovers would leave RSS between two samples.
 */
async function memory(links: () => number): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the scale node needs --expose-gc');
  gc();
  let previous = process.memoryUsage.rss();
  let round = 0;
  while (round++ < MEMORY_SETTLE_ROUNDS) {
    await sleep(MEMORY_SETTLE_MS);
    gc();
    const rss = process.memoryUsage.rss();
    const settled = Math.abs(rss - previous) < MEMORY_STILL_BYTES;
    previous = rss;
    if (settled) break;
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  const parts = processMemory(process.pid);
  if (!parts) throw new Error('the scale node needs /proc/<pid>/status (Linux)');
  return {
    rss,
    rssAnon: parts.rssAnon,
    rssFile: parts.rssFile,
    heapUsed,
    external,
    links: links(),
  };
}

/** Awaits every broadcast: it resolves once every link took the frame (waiting on drain above its mark). */
async function broadcast(
  link: LinkService,
  count: number,
  timeLimitMs: number,
): Promise<BroadcastStepResult> {
  const deadline = performance.now() + timeLimitMs;
  const startedAt = epochMs();
  let sent = 0;
  let deliveries = 0;
  while (sent < count && ((sent & 255) !== 0 || performance.now() < deadline)) {
    deliveries += (await link.broadcast(CALL_STATE_TOPIC, callState(sent))).length;
    sent++;
  }
  return { sent, deliveries, startedAt, endedAt: epochMs() };
}
