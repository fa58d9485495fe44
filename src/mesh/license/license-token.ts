import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { LicenseError } from './license.error.js';
import { errorMessage } from '../../common/describe-error.js';

/** What a valid token grants. */
export interface LicenseGrant {
  licensee: string;
  connections: number;
  issuedAt: Date;
  expiresAt: Date;
}

/** The vendor's Ed25519 public key from PEM text. */
export function parsePublicKey(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key, not Ed25519`);
    return key;
  } catch (error: unknown) {
    throw new LicenseError(
      'no-public-key',
      `the license public key is not an Ed25519 key: ${errorMessage(error)}`,
    );
  }
}

/**
 * Verifies a license token (CONTRACT §5: EdDSA JWT with `sub`, `iat`, `exp`,
 * `mesh.connections`) and returns its grant.
 * @throws LicenseError with the precise problem.
 */
export async function verifyLicenseToken(
  token: string,
  publicKey: KeyObject,
  now = new Date(),
): Promise<LicenseGrant> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token.trim(), publicKey, {
      algorithms: ['EdDSA'],
      typ: 'JWT',
      requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: now,
    }));
  } catch (error: unknown) {
    throw asLicenseError(error);
  }
  const connections = (payload.mesh as { connections?: unknown } | undefined)?.connections;
  if (typeof connections !== 'number' || !Number.isInteger(connections) || connections < 1) {
    throw new LicenseError(
      'missing-claim',
      'the token lacks "mesh.connections" (a whole number of at least 1)',
    );
  }
  const issuedAt = new Date((payload.iat ?? 0) * 1000);
  const expiresAt = new Date((payload.exp ?? 0) * 1000);
  if (Number.isNaN(issuedAt.getTime()) || Number.isNaN(expiresAt.getTime())) {
    throw new LicenseError('malformed', '"iat" or "exp" is not a representable date');
  }
  return {
    licensee: String(payload.sub),
    connections,
    issuedAt,
    expiresAt,
  };
}

function asLicenseError(error: unknown): LicenseError {
  if (error instanceof errors.JWTExpired) return new LicenseError('expired', 'the license has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing')
      return new LicenseError('missing-claim', `the token lacks the "${error.claim}" claim`);
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return new LicenseError('not-yet-valid', `the license is not valid yet (${error.claim})`);
    }
    return new LicenseError('malformed', `claim "${error.claim}": ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new LicenseError(
      'bad-signature',
      'the signature does not verify: the token was altered or signed by another key',
    );
  }
  return new LicenseError('malformed', `not a license token: ${errorMessage(error)}`);
}
