import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { OnMeshMessage } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

const LIMIT = 64;
const LIVENESS_MS = 600;
const PAYLOAD = 'x'.repeat(1000);
/** Bound of the send loop: far more than the kernel's socket buffers and the high-water mark hold. */
const MAX_SENDS = 20_000;

/** An asynchronous handler far slower than the sender: each call waits until it is released. */
@Injectable()
class SlowConsumer {
  readonly seen: number[] = [];
  inProgress = 0;
  maxInProgress = 0;
  private held: Array<() => void> = [];
  private open = false;

  @OnMeshMessage('bulk')
  async consume(payload: { i: number }): Promise<void> {
    this.maxInProgress = Math.max(this.maxInProgress, ++this.inProgress);
    if (!this.open) await new Promise<void>((done) => this.held.push(done));
    this.seen.push(payload.i);
    this.inProgress--;
  }

  release(): void {
    this.open = true;
    this.held.splice(0).forEach((done) => done());
  }
}

describe('receiver flow control: a slow asynchronous handler holds the sender back', () => {
  const cluster = meshCluster();

  it('stops reading at the limit, stalls the sender’s send, keeps the link alive and loses nothing', async () => {
    const receiver = await cluster.start({ maxHandlersInProgress: LIMIT, livenessTimeoutMs: LIVENESS_MS }, [
      SlowConsumer,
    ]);
    const sender = await cluster.start({ highWaterBytes: 16 * 1024, livenessTimeoutMs: LIVENESS_MS });
    sender.link.connect(receiver.target);
    await sender.untilStatus(receiver.target, 'connected');
    const consumer = receiver.app.get(SlowConsumer);

    // Send until a send no longer resolves within a turn of the event loop: the sender is held back.
    let sent = 0;
    let stalled: Promise<void> | undefined;
    while (sent < MAX_SENDS && !stalled) {
      const send = sender.link.send(receiver.nodeId, 'bulk', { i: sent, text: PAYLOAD });
      sent++;
      let resolved = false;
      void send.then(() => (resolved = true));
      await new Promise((done) => setImmediate(done));
      if (!resolved) stalled = send;
    }
    expect(stalled).toBeDefined();
    expect(sent).toBeLessThan(MAX_SENDS);
    // The receiver stopped reading at the limit; frames of the chunk being read still ran.
    expect(consumer.maxInProgress).toBeGreaterThanOrEqual(LIMIT);
    expect(consumer.maxInProgress).toBeLessThan(LIMIT + 128);

    // Held back for several liveness periods, neither side takes the other for dead.
    await sleep(LIVENESS_MS * 3);
    expect(sender.link.isLinked(receiver.nodeId)).toBe(true);
    expect(receiver.link.isLinked(sender.nodeId)).toBe(true);

    consumer.release();
    await stalled;
    for (let i = 0; i < 100; i++)
      await sender.link.send(receiver.nodeId, 'bulk', { i: sent++, text: PAYLOAD });
    await receiver.until('every message handled', () => consumer.seen.length === sent);
    expect(consumer.seen).toEqual(Array.from({ length: sent }, (_, i) => i));
  });
});
