import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ClockStamps } from '../clock/clock-sample.js';
import { type Nonces, proofs, type Role } from './auth-proof.js';
import type { MeshKey } from './mesh-key.js';

/**
 * The keys a node holds: the one of its password, and during a password change's grace period
 * the one before (same mesh ID, so the same `idKey`). It proves itself with both, so a peer that
 * knows either verifies it, and accepts a proof made with either.
 */
export interface KeyRing {
  current: MeshKey;
  previous?: MeshKey;
}

/** Which of this node's keys the peer proved. */
export type ProvedKey = 'current' | 'previous';

/** What an auth message carries: the proofs of `proofs()`, plus the previous key's during grace. */
export interface RingProofs {
  idProof: Buffer;
  proof: Buffer;
  /** The same proof under the previous key; absent outside a grace period. */
  previousProof?: Buffer;
}

/** The proofs a side sends: with the current key, and with the previous key while it has one. */
export function ringProofs(
  ring: KeyRing,
  role: Role,
  transcript: Buffer,
  nonces: Nonces,
  clock?: ClockStamps,
  trusted?: boolean,
): RingProofs {
  const { idProof, proof } = proofs(ring.current, role, transcript, nonces, clock, trusted);
  if (!ring.previous) return { idProof, proof };
  const previousProof = proofs(ring.previous, role, transcript, nonces, clock, trusted).proof;
  return { idProof, proof, previousProof };
}

/**
 * Checks the peer's proofs against every key of this node's ring. The mesh ID proof decides
 * `mesh-id-mismatch` as before; then any of the peer's password proofs made with any of this
 * node's keys is enough, and says which one (the current key wins when both match). Every proof
 * still covers the whole transcript, so none can be replayed on another connection.
 */
export function verifyRingProofs(
  ring: KeyRing,
  peerRole: Role,
  transcript: Buffer,
  nonces: Nonces,
  presented: {
    idProof: Uint8Array;
    proof: Uint8Array;
    previousProof?: Uint8Array;
    clock?: ClockStamps;
    trusted?: boolean;
  },
): { verdict: 'ok'; proved: ProvedKey } | { verdict: 'mesh-id-mismatch' | 'password-mismatch' } {
  const { clock, trusted } = presented;
  const expected = proofs(ring.current, peerRole, transcript, nonces, clock, trusted);
  if (!timingSafeEqual(expected.idProof, presented.idProof)) return { verdict: 'mesh-id-mismatch' };
  const offered = presented.previousProof ? [presented.proof, presented.previousProof] : [presented.proof];
  if (offered.some((p) => timingSafeEqual(expected.proof, p))) return { verdict: 'ok', proved: 'current' };
  if (ring.previous) {
    const old = proofs(ring.previous, peerRole, transcript, nonces, clock, trusted).proof;
    if (offered.some((p) => timingSafeEqual(old, p))) return { verdict: 'ok', proved: 'previous' };
  }
  return { verdict: 'password-mismatch' };
}

/**
 * A proof of the current key sent over an established link (topic `mesh.password.proof`), so a
 * peer learns that this node switched without a new handshake. Bound to the link's transcript and
 * the sender's role: it cannot be replayed on another link or reflected back.
 */
export function reproof(key: MeshKey, role: Role, transcript: Buffer): Buffer {
  return createHmac('sha256', key.authKey).update(`reproof\0${role}\0`).update(transcript).digest();
}

/** Which of this node's keys made the peer's re-proof, if any. */
export function verifyReproof(
  ring: KeyRing,
  peerRole: Role,
  transcript: Buffer,
  presented: Uint8Array,
): ProvedKey | undefined {
  if (presented.length !== 32) return undefined;
  if (timingSafeEqual(reproof(ring.current, peerRole, transcript), presented)) return 'current';
  if (ring.previous && timingSafeEqual(reproof(ring.previous, peerRole, transcript), presented))
    return 'previous';
  return undefined;
}
