import { describe, expect, it } from '@jest/globals';
import { vetLiveChanges, vetPullAnswer } from './peer-trust.js';

const SELF = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const PEER = '6fa459ea-ee8a-3ca4-894e-db77e160355e';
const THIRD = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const context = { self: SELF, peer: PEER, stampLimit: 1000n };
const change = (origin: string, seq: number, hlc = '5') => [origin, seq, 'call', hlc, { k: 'v' }];
const reasons = (refusals: Array<{ reason: string; count: number }>) =>
  Object.fromEntries(refusals.map((r) => [r.reason, r.count]));

describe('vetLiveChanges', () => {
  it('takes only the sender’s own changes with stamps within the bound, each on its own', () => {
    const vetted = vetLiveChanges(
      {
        changes: [
          change(PEER, 1),
          change(THIRD, 1),
          change(PEER, 2, '1001'),
          change(PEER, 3, '99999999999999999999'),
          change(PEER, 2 ** 53),
          change(PEER, 4),
        ],
      },
      context,
    );
    expect(vetted.changes.map((c) => c.seq)).toEqual([1, 4]);
    expect(reasons(vetted.refusals)).toEqual({ 'not-origin': 1, 'stamp-ahead': 1, malformed: 2 });
  });
});

describe('vetPullAnswer', () => {
  it('refuses progress of this node’s own log and changes claiming to be its own', () => {
    const vetted = vetPullAnswer(
      { changes: [change(SELF, 1)], through: { [SELF]: 1 }, more: false },
      {},
      context,
    );
    expect(vetted.changes).toEqual([]);
    expect(vetted.through).toEqual({});
    expect(reasons(vetted.refusals)).toEqual({ 'own-origin': 1, 'own-progress': 1 });
  });

  it('caps `through` at the highest change of the origin the answer carries', () => {
    const vetted = vetPullAnswer(
      { changes: [change(THIRD, 3), change(THIRD, 7)], through: { [THIRD]: 2 ** 52, [PEER]: 9 } },
      { [THIRD]: 2, [PEER]: 4 },
      context,
    );
    expect(vetted.changes.map((c) => c.seq)).toEqual([3, 7]);
    expect(vetted.through).toEqual({ [THIRD]: 7 });
    expect(reasons(vetted.refusals)).toEqual({ 'unbacked-through': 2 });
  });

  it('stops `through` below a change refused for its stamp, so it is asked for again', () => {
    const vetted = vetPullAnswer(
      { changes: [change(THIRD, 3), change(THIRD, 4, '2000'), change(THIRD, 5)], through: { [THIRD]: 5 } },
      { [THIRD]: 2 },
      context,
    );
    expect(vetted.changes.map((c) => c.seq)).toEqual([3, 5]);
    expect(vetted.through).toEqual({ [THIRD]: 3 });
  });

  it('drops bad progress entries one by one, keeping the good ones', () => {
    const vetted = vetPullAnswer(
      { changes: [change(THIRD, 1)], through: { [THIRD]: 1, nope: 3, [PEER]: 2 ** 53 - 1 } },
      {},
      context,
    );
    expect(vetted.through).toEqual({ [THIRD]: 1 });
    expect(reasons(vetted.refusals)).toEqual({ malformed: 2 });
  });
});
