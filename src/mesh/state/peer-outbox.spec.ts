import { describe, expect, it } from '@jest/globals';
import { PeerOutbox } from './peer-outbox.js';

describe('PeerOutbox', () => {
  it('sends a snapshot taken when its turn comes, then deltas, in order', async () => {
    const sent: string[] = [];
    let state = 'old';
    const outbox = new PeerOutbox(
      async (topic, payload) => {
        await new Promise((done) => setImmediate(done));
        sent.push(`${topic} ${String(payload)}`);
      },
      () => undefined,
    );
    outbox.snapshot(() => [`s1:${state}`, `s2:${state}`]);
    outbox.snapshot(() => ['second']); // one queued at a time
    state = 'new';
    outbox.delta(['d1', 'd2']);
    await outbox.idle();
    expect(sent).toEqual([
      'mesh.state.snapshot s1:new',
      'mesh.state.snapshot s2:new',
      'mesh.state.delta d1',
      'mesh.state.delta d2',
    ]);
  });

  it('skips deltas after a failed send until the next snapshot, and sends nothing once closed', async () => {
    const sent: unknown[] = [];
    const failures: unknown[] = [];
    let fail = true;
    const outbox = new PeerOutbox(
      (_topic, payload) => {
        if (fail) return Promise.reject(new Error('backpressure'));
        sent.push(payload);
        return Promise.resolve();
      },
      (error) => failures.push(error),
    );
    outbox.delta(['lost']);
    await outbox.idle();
    fail = false;
    outbox.delta(['skipped']);
    outbox.snapshot(() => ['snapshot']);
    outbox.delta(['after']);
    await outbox.idle();
    expect(sent).toEqual(['snapshot', 'after']);
    expect(failures).toHaveLength(1);
    outbox.close();
    outbox.delta(['closed']);
    await outbox.idle();
    expect(sent).toEqual(['snapshot', 'after']);
  });
});
