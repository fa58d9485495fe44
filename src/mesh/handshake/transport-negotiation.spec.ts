import { describe, expect, it } from '@jest/globals';
import { ENCRYPTION_MODES, type EncryptionMode } from '../link/encryption-mode.js';
import type { LinkReason } from '../link/link-reason.js';
import {
  certificatesAcceptable,
  negotiateTransport,
  tlsRequired,
  type Transport,
} from './transport-negotiation.js';

type Verdict = Transport | Extract<LinkReason, 'tls-required-local' | 'tls-required-remote'>;

/** A's setting, B's setting, what A concludes (local=A), what B concludes (local=B). */
const MATRIX: [EncryptionMode, EncryptionMode, Verdict, Verdict][] = [
  ['none', 'none', 'tcp', 'tcp'],
  ['none', 'starttls-optional', 'tcp', 'tcp'],
  ['none', 'starttls-required', 'tls-required-remote', 'tls-required-local'],
  ['starttls-optional', 'none', 'tcp', 'tcp'],
  ['starttls-optional', 'starttls-optional', 'tls', 'tls'],
  ['starttls-optional', 'starttls-required', 'tls', 'tls'],
  ['starttls-required', 'none', 'tls-required-local', 'tls-required-remote'],
  ['starttls-required', 'starttls-optional', 'tls', 'tls'],
  ['starttls-required', 'starttls-required', 'tls', 'tls'],
];

function expected(verdict: Verdict): object {
  return verdict === 'tls' || verdict === 'tcp'
    ? { transport: verdict }
    : { reason: verdict, message: expect.stringMatching(/TLS/) };
}

describe('negotiateTransport', () => {
  it('has a row for every pair of settings', () => {
    const pairs = MATRIX.map(([a, b]) => `${a}/${b}`);
    expect(new Set(pairs).size).toBe(ENCRYPTION_MODES.length ** 2);
    for (const a of ENCRYPTION_MODES) for (const b of ENCRYPTION_MODES) expect(pairs).toContain(`${a}/${b}`);
  });

  it.each(MATRIX)('A=%s, B=%s: A sees %s, B sees %s', (a, b, seenByA, seenByB) => {
    expect(negotiateTransport(a, b)).toEqual(expected(seenByA));
    expect(negotiateTransport(b, a)).toEqual(expected(seenByB));
  });

  it('never falls back to TCP when either side requires TLS', () => {
    for (const other of ENCRYPTION_MODES) {
      expect(negotiateTransport('starttls-required', other)).not.toEqual({ transport: 'tcp' });
      expect(negotiateTransport(other, 'starttls-required')).not.toEqual({ transport: 'tcp' });
    }
  });
});

describe('negotiateTransport with a per-node requirement', () => {
  it('refuses what would be TCP, telling the peer, and leaves TLS and refusals by setting as they were', () => {
    for (const a of ENCRYPTION_MODES) {
      for (const b of ENCRYPTION_MODES) {
        const plain = negotiateTransport(a, b);
        const required = negotiateTransport(a, b, true);
        if ('transport' in plain && plain.transport === 'tcp') {
          expect(required).toMatchObject({
            reason: 'tls-required-local',
            tellPeer: { reason: 'tls-required-remote' },
          });
        } else {
          expect(required).toEqual(plain);
        }
      }
    }
  });
});

describe('tlsRequired and certificatesAcceptable', () => {
  it('requires TLS when either side is starttls-required or this node requires it for the peer', () => {
    expect(tlsRequired('starttls-optional', 'starttls-optional', false)).toBe(false);
    expect(tlsRequired('starttls-required', 'starttls-optional', false)).toBe(true);
    expect(tlsRequired('starttls-optional', 'starttls-required', false)).toBe(true);
    expect(tlsRequired('starttls-optional', 'starttls-optional', true)).toBe(true);
  });

  it.each([
    [false, true, undefined, true],
    [false, false, false, true],
    [true, true, true, true],
    [true, true, undefined, true],
    [true, false, true, false],
    [true, true, false, false],
    [true, false, false, false],
  ])(
    'required %s, peerTrusted %s, trustedByPeer %s: acceptable %s',
    (required, peerTrusted, trustedByPeer, ok) => {
      expect(
        certificatesAcceptable(required, {
          peerTrusted,
          ...(trustedByPeer !== undefined && { trustedByPeer }),
        }),
      ).toBe(ok);
    },
  );
});
