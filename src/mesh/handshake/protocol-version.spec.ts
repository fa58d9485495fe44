import { describe, expect, it } from '@jest/globals';
import { PROTOCOL_VERSIONS } from './handshake-messages.js';
import { agreeVersion, formatRange, helloRange, speakableRange } from './protocol-version.js';

describe('protocol versions', () => {
  it('reads a version-1 hello as the range 1–1 and a newer one as minVersion–version', () => {
    expect(helloRange({ version: 1 })).toEqual({ min: 1, max: 1 });
    expect(helloRange({ version: 4, minVersion: 2 })).toEqual({ min: 2, max: 4 });
  });

  it.each([
    [{ min: 1, max: 2 }, { min: 1, max: 2 }, 2],
    [{ min: 1, max: 2 }, { min: 1, max: 1 }, 1],
    [{ min: 2, max: 5 }, { min: 1, max: 3 }, 3],
    [{ min: 3, max: 3 }, { min: 1, max: 3 }, 3],
  ])('%o and %o speak %i, whichever side asks', (a, b, version) => {
    expect(agreeVersion(a, b)).toEqual({ version });
    expect(agreeVersion(b, a)).toEqual({ version });
  });

  it('names both ranges, from each side, when they do not overlap', () => {
    expect(agreeVersion({ min: 3, max: 4 }, { min: 1, max: 2 })).toEqual({
      reason: 'version-mismatch',
      message: 'no common protocol version: this node speaks 3–4, the peer 1–2',
      peerMessage: 'no common protocol version: this node speaks 1–2, the peer 3–4',
    });
    expect(formatRange({ min: 2, max: 2 })).toBe('2');
  });

  it('keeps a configured range within what the build speaks', () => {
    expect(speakableRange()).toEqual(PROTOCOL_VERSIONS);
    expect(speakableRange({ max: 1 })).toEqual({ min: PROTOCOL_VERSIONS.min, max: 1 });
    expect(speakableRange({ min: 0, max: 99 })).toEqual(PROTOCOL_VERSIONS);
    expect(() => speakableRange({ min: 2, max: 1 })).toThrow(RangeError);
  });
});
