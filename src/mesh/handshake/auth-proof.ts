import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { updateLengthPrefixed } from '../../common/length-prefixed.js';
import type { ClockStamps } from '../clock/clock-sample.js';
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
 * tampered transcript fails the password proof and is not mistaken for another mesh. The password
 * proof also covers the clock stamps sent with it, if any: they follow the hellos, so the
 * transcript does not hold them, and a relay must not change them unnoticed. Likewise the sender's
 * verdict on the receiver's certificate (`trusted`, protocol ≥ 2).
 */
export function proofs(
  key: MeshKey,
  role: Role,
  transcript: Buffer,
  nonces: Nonces,
  clock?: ClockStamps,
  trusted?: boolean,
): { idProof: Buffer; proof: Buffer } {
  const proof = createHmac('sha256', key.authKey).update(`auth\0${role}\0`).update(transcript);
  // Without stamps the proof is what versions before them compute.
  if (clock) proof.update('clock\0').update(stampBytes(clock));
  if (trusted !== undefined) proof.update(`trusted\0${trusted ? 1 : 0}`);
  return {
    idProof: createHmac('sha256', key.idKey)
      .update(`id\0${role}\0`)
      .update(nonces.dialer)
      .update(nonces.acceptor)
      .digest(),
    proof: proof.digest(),
  };
}

/** The stamps as three big-endian doubles; an absent stamp is -1, which no stamp can be. */
function stampBytes({ transmit, origin, receive }: ClockStamps): Buffer {
  const bytes = Buffer.allocUnsafe(24);
  bytes.writeDoubleBE(transmit, 0);
  bytes.writeDoubleBE(origin ?? -1, 8);
  bytes.writeDoubleBE(receive ?? -1, 16);
  return bytes;
}

/** Which of the peer's proofs fails, if any. */
export function verifyProofs(
  key: MeshKey,
  peerRole: Role,
  transcript: Buffer,
  nonces: Nonces,
  presented: { idProof: Uint8Array; proof: Uint8Array; clock?: ClockStamps; trusted?: boolean },
): 'ok' | 'mesh-id-mismatch' | 'password-mismatch' {
  const expected = proofs(key, peerRole, transcript, nonces, presented.clock, presented.trusted);
  if (!timingSafeEqual(expected.idProof, presented.idProof)) return 'mesh-id-mismatch';
  if (!timingSafeEqual(expected.proof, presented.proof)) return 'password-mismatch';
  return 'ok';
}
