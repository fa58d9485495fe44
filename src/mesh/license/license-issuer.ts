import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** A vendor key pair: Ed25519, PEM (SPKI public, PKCS#8 private). */
export function generateVendorKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Signs a license token (CONTRACT §5) valid from `issuedAt` for `validForMs`. */
export function issueLicenseToken(
  privateKey: KeyObject,
  grant: { licensee: string; connections: number; validForMs: number; issuedAt?: Date },
): Promise<string> {
  const issuedAt = Math.floor((grant.issuedAt ?? new Date()).getTime() / 1000);
  return new SignJWT({ mesh: { connections: grant.connections } })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(grant.licensee)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(grant.validForMs / 1000))
    .sign(privateKey);
}
