import { describe, expect, it } from '@jest/globals';
import { countLinkStates, type LinkState } from './link-states.js';

const node = (state: LinkState) => ({ status: { state } });

describe('countLinkStates', () => {
  it('counts the nodes of each state and shows every state, 0 included', () => {
    expect(countLinkStates([node('connected'), node('error'), node('connected'), node('idle')])).toEqual({
      connected: 2,
      connecting: 0,
      error: 1,
      disabled: 0,
      idle: 1,
    });
  });

  it('is all zeros for an empty node list', () => {
    expect(Object.values(countLinkStates([]))).toEqual([0, 0, 0, 0, 0]);
  });
});
