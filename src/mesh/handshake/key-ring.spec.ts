import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { proofs } from './auth-proof.js';
import { type KeyRing, reproof, ringProofs, verifyReproof, verifyRingProofs } from './key-ring.js';
import { deriveMeshKey, type MeshKey } from './mesh-key.js';

let oldKey: MeshKey;
let newKey: MeshKey;
let strangerKey: MeshKey;
let otherMesh: MeshKey;

beforeAll(async () => {
  [oldKey, newKey, strangerKey, otherMesh] = await Promise.all([
    deriveMeshKey('site', 'old password'),
    deriveMeshKey('site', 'new password'),
    deriveMeshKey('site', 'a guess'),
    deriveMeshKey('other site', 'new password'),
  ]);
});

const transcript = randomBytes(32);
const nonces = { dialer: randomBytes(32), acceptor: randomBytes(32) };

/** What `verifier` makes of the dialer's auth sent by `prover`. */
function verdict(prover: KeyRing, verifier: KeyRing, onTranscript = transcript) {
  const sent = ringProofs(prover, 'dialer', transcript, nonces);
  return verifyRingProofs(verifier, 'dialer', onTranscript, nonces, sent);
}

describe('key ring: proofs during a password rotation', () => {
  it('outside a rotation sends exactly the proofs of one key, as before rotation existed', () => {
    const sent = ringProofs({ current: newKey }, 'dialer', transcript, nonces);
    expect(sent).toEqual(proofs(newKey, 'dialer', transcript, nonces));
    expect(sent.previousProof).toBeUndefined();
  });

  it('switched and not yet switched nodes accept each other, and say which key was proved', () => {
    const switched: KeyRing = { current: newKey, previous: oldKey };
    const notSwitched: KeyRing = { current: oldKey };
    // The node not switched verifies the switched one's proof of the old key: its current one.
    expect(verdict(switched, notSwitched)).toEqual({ verdict: 'ok', proved: 'current' });
    // The switched node accepts the old key, as the previous one.
    expect(verdict(notSwitched, switched)).toEqual({ verdict: 'ok', proved: 'previous' });
    // Two switched nodes prove the new key to each other.
    expect(verdict(switched, switched)).toEqual({ verdict: 'ok', proved: 'current' });
    // A node switched and done (previous forgotten) still accepts one in its grace.
    expect(verdict(switched, { current: newKey })).toEqual({ verdict: 'ok', proved: 'current' });
  });

  it('refuses a node on a password this node does not hold, and one of another mesh', () => {
    expect(verdict({ current: oldKey }, { current: newKey })).toEqual({ verdict: 'password-mismatch' });
    expect(verdict({ current: strangerKey }, { current: newKey, previous: oldKey })).toEqual({
      verdict: 'password-mismatch',
    });
    expect(verdict({ current: otherMesh }, { current: newKey })).toEqual({ verdict: 'mesh-id-mismatch' });
  });

  it('binds every proof to the transcript: none verifies on another connection', () => {
    const switched: KeyRing = { current: newKey, previous: oldKey };
    expect(verdict(switched, { current: oldKey }, randomBytes(32))).toEqual({
      verdict: 'password-mismatch',
    });
    expect(verdict({ current: oldKey }, switched, randomBytes(32))).toEqual({ verdict: 'password-mismatch' });
  });

  it('a proof of the role it was not made for does not verify (no reflection)', () => {
    const sent = ringProofs({ current: newKey, previous: oldKey }, 'dialer', transcript, nonces);
    expect(verifyRingProofs({ current: oldKey }, 'acceptor', transcript, nonces, sent).verdict).not.toBe(
      'ok',
    );
  });
});

describe('key ring: re-proofs over an established link', () => {
  it('tells which key the peer proved, or nothing for a key this node does not hold', () => {
    const proof = reproof(newKey, 'acceptor', transcript);
    expect(verifyReproof({ current: newKey, previous: oldKey }, 'acceptor', transcript, proof)).toBe(
      'current',
    );
    expect(verifyReproof({ current: oldKey, previous: newKey }, 'acceptor', transcript, proof)).toBe(
      'previous',
    );
    expect(verifyReproof({ current: oldKey }, 'acceptor', transcript, proof)).toBeUndefined();
  });

  it('is bound to the link and the role, and refuses bytes of the wrong length', () => {
    const ring = { current: newKey };
    const proof = reproof(newKey, 'acceptor', transcript);
    expect(verifyReproof(ring, 'acceptor', randomBytes(32), proof)).toBeUndefined();
    expect(verifyReproof(ring, 'dialer', transcript, proof)).toBeUndefined();
    expect(verifyReproof(ring, 'acceptor', transcript, proof.subarray(0, 31))).toBeUndefined();
  });
});
