import { describe, expect, it } from '@jest/globals';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { generateVendorKeys, issueLicenseToken } from './license-issuer.js';
import { parsePublicKey, verifyLicenseToken } from './license-token.js';
import { LicenseError } from './license.error.js';

const vendor = generateVendorKeys();
const other = generateVendorKeys();
const publicKey = parsePublicKey(vendor.publicKey);
const privateKey = createPrivateKey(vendor.privateKey);
const DAY = 86_400_000;

const problem = async (token: string) =>
  verifyLicenseToken(token, publicKey).then(
    () => 'valid',
    (error: unknown) => (error instanceof LicenseError ? error.problem : `unexpected ${String(error)}`),
  );

describe('license tokens', () => {
  it('grants what a valid token says', async () => {
    const token = await issueLicenseToken(privateKey, {
      licensee: 'ACME GmbH',
      connections: 16,
      validForMs: 365 * DAY,
    });
    const grant = await verifyLicenseToken(token, publicKey);
    expect(grant).toMatchObject({ licensee: 'ACME GmbH', connections: 16 });
    expect(grant.expiresAt.getTime() - grant.issuedAt.getTime()).toBe(365 * DAY);
  });

  it('refuses an expired token', async () => {
    const token = await issueLicenseToken(privateKey, {
      licensee: 'x',
      connections: 2,
      validForMs: DAY,
      issuedAt: new Date(Date.now() - 2 * DAY),
    });
    expect(await problem(token)).toBe('expired');
  });

  it('refuses a tampered token', async () => {
    const token = await issueLicenseToken(privateKey, { licensee: 'x', connections: 2, validForMs: DAY });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const raised = Buffer.from(JSON.stringify({ ...claims, mesh: { connections: 1000 } })).toString(
      'base64url',
    );
    expect(await problem(`${header}.${raised}.${signature}`)).toBe('bad-signature');
  });

  it('refuses a token signed by another key', async () => {
    const token = await issueLicenseToken(createPrivateKey(other.privateKey), {
      licensee: 'x',
      connections: 2,
      validForMs: DAY,
    });
    expect(await problem(token)).toBe('bad-signature');
  });

  it.each(['', 'not-a-token', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'])(
    'refuses malformed %j',
    async (token) => {
      expect(await problem(token)).toBe('malformed');
    },
  );

  it('refuses a token of another algorithm', async () => {
    const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
    const token = await new SignJWT({ mesh: { connections: 2 } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('1d')
      .sign(secret);
    expect(await problem(token)).toBe('malformed');
  });

  it.each([
    ['no mesh claim', {}],
    ['connections 0', { mesh: { connections: 0 } }],
    ['connections not a number', { mesh: { connections: '16' } }],
  ])('refuses a token with %s', async (_, claims) => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('1d')
      .sign(privateKey);
    expect(await problem(token)).toBe('missing-claim');
  });

  it('refuses a token without a licensee', async () => {
    const token = await new SignJWT({ mesh: { connections: 2 } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1d')
      .sign(privateKey);
    expect(await problem(token)).toBe('missing-claim');
  });

  it('takes only an Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parsePublicKey(rsa.toString())).toThrow(LicenseError);
    expect(() => parsePublicKey('garbage')).toThrow(LicenseError);
  });
});
