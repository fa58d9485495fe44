import { describe, expect, it } from '@jest/globals';
import { MAX_QUEUED_DELTAS, PeerOutbox } from './peer-outbox.js';

/** An outbox whose sends wait for `release` while `held`, recording what went out. */
function outbox(take: () => unknown[]) {
  const sent: string[] = [];
  const failures: unknown[] = [];
  const control = { fail: false, held: false, release: () => undefined as void };
  let gate = Promise.resolve();
  const box = new PeerOutbox(
    async (topic, payload) => {
      await gate;
      if (control.fail) throw new Error('backpressure');
      sent.push(`${topic.replace('mesh.state.', '')} ${String(payload)}`);
    },
    take,
    (error) => failures.push(error),
  );
  const hold = () => {
    gate = new Promise<void>((done) => (control.release = done));
  };
  return { box, sent, failures, control, hold };
}

describe('PeerOutbox', () => {
  it('sends a snapshot taken when its turn comes, then the deltas made after it, in order', async () => {
    let state = 'old';
    const { box, sent, hold, control } = outbox(() => [`s1:${state}`, `s2:${state}`]);
    box.delta(['d0']);
    hold(); // d0 waits: the snapshot is not taken yet
    box.snapshot();
    box.snapshot(); // one waits at a time
    box.delta(['held']); // made while the snapshot waits: the snapshot will hold it
    state = 'new';
    control.release();
    await box.idle();
    box.delta(['d1', 'd2']);
    await box.idle();
    expect(sent).toEqual(['delta d0', 'snapshot s1:new', 'snapshot s2:new', 'delta d1', 'delta d2']);
  });

  it('skips deltas after a failed send until the next snapshot, and sends nothing once closed', async () => {
    const { box, sent, failures, control } = outbox(() => ['snapshot']);
    control.fail = true;
    box.delta(['lost']);
    await box.idle();
    control.fail = false;
    box.delta(['skipped']);
    await box.idle();
    box.snapshot();
    await box.idle();
    box.delta(['after']);
    await box.idle();
    expect(sent).toEqual(['snapshot snapshot', 'delta after']);
    expect(failures).toHaveLength(1);
    box.close();
    box.delta(['closed']);
    box.snapshot();
    await box.idle();
    expect(sent).toEqual(['snapshot snapshot', 'delta after']);
  });

  it('replaces the deltas waiting for a slow peer by one snapshot beyond the limit', async () => {
    const { box, sent, hold, control } = outbox(() => ['all']);
    hold();
    box.delta(['first']);
    await new Promise((done) => setImmediate(done)); // 'first' is being sent, waiting for the peer
    for (let i = 0; i < MAX_QUEUED_DELTAS * 3; i++) box.delta([`d${i}`]);
    control.release();
    await box.idle();
    box.delta(['later']);
    await box.idle();
    expect(sent).toEqual(['delta first', 'snapshot all', 'delta later']);
  });
});
