import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { updateLengthPrefixed } from '../../common/length-prefixed.js';
import type { MeshKey } from './mesh-key.js';
import type { Transport } from './transport-negotiation.js';

export type Role = 'dialer' | 'acceptor';

/**
 * Hash of everything both sides saw: both hellos as sent (encryption settings and nonces
 * included, so a stripped STARTTLS or an altered hello changes it), the transport, and on TLS
 * the keying-material exporter (so a relay that runs two TLS sessions changes it too).
 */
export function transcriptHash(
  dialerHello: Uint8Array,
  acceptorHello: Uint8Array,
  transport: Transport,
  exporter: Uint8Array | undefined,
): Buffer {
  const hash = createHash('sha256').update('ucmesh/v1/transcript\0');
  return updateLengthPrefixed(hash, [
    dialerHello,
    acceptorHello,
    transport,
    exporter ?? Buffer.alloc(0),
  ]).digest();
}

/** The fresh values both hellos carried, which the mesh-ID proof covers. */
export interface Nonces {
  dialer: Uint8Array;
  acceptor: Uint8Array;
}

/**
 * The two proofs a side sends, bound to its role. The mesh-ID proof covers only the nonces, so a
 * tampered transcript fails the password proof and is not mistaken for another mesh.
 */
export function proofs(
  key: MeshKey,
  role: Role,
  transcript: Buffer,
  nonces: Nonces,
): { idProof: Buffer; proof: Buffer } {
  return {
    idProof: createHmac('sha256', key.idKey)
      .update(`id\0${role}\0`)
      .update(nonces.dialer)
      .update(nonces.acceptor)
      .digest(),
    proof: createHmac('sha256', key.authKey).update(`auth\0${role}\0`).update(transcript).digest(),
  };
}

/** Which of the peer's proofs fails, if any. */
export function verifyProofs(
  key: MeshKey,
  peerRole: Role,
  transcript: Buffer,
  nonces: Nonces,
  presented: { idProof: Uint8Array; proof: Uint8Array },
): 'ok' | 'mesh-id-mismatch' | 'password-mismatch' {
  const expected = proofs(key, peerRole, transcript, nonces);
  if (!timingSafeEqual(expected.idProof, presented.idProof)) return 'mesh-id-mismatch';
  if (!timingSafeEqual(expected.proof, presented.proof)) return 'password-mismatch';
  return 'ok';
}
