// @peculiar/x509 resolves its algorithms through tsyringe, which throws at load without the Reflect polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** A certificate and its private key as PEM text; `key` is PKCS#8 (`-----BEGIN PRIVATE KEY-----`). */
export interface PemPair {
  cert: string;
  key: string;
}

/** Options of a leaf certificate: `altNames` become DNS or IP SANs (default none), `days` defaults to 3650. */
export interface LeafOptions {
  altNames?: string[];
  days?: number;
}

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
const DEFAULT_DAYS = 3650;
const DAY_MS = 86_400_000;
// A peer whose clock runs behind ours must still accept a certificate generated a moment ago.
const CLOCK_SKEW_MS = 3_600_000;

interface Issuer {
  name: x509.Name;
  signingKey: webcrypto.CryptoKey;
  authorityKeyIdentifier: x509.AuthorityKeyIdentifierExtension;
}

/** Creates a self-signed ECDSA P-256 certificate usable as both TLS server and TLS client certificate. */
export function createSelfSignedPair(commonName: string, options: LeafOptions = {}): Promise<PemPair> {
  return createLeaf(commonName, options);
}

/** Creates a CA certificate (cA, keyCertSign + cRLSign) to issue mesh node certificates with `issueCertificate`. */
export async function createCertificateAuthority(
  commonName: string,
  options: { days?: number } = {},
): Promise<PemPair> {
  const keys = await generateKeys();
  const name = subjectName(commonName);
  const cert = await x509.X509CertificateGenerator.create({
    ...validity(options.days),
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: name,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toPemPair(cert, keys.privateKey);
}

/** Issues a server + client leaf certificate signed by `ca`, so peers trusting `ca.cert` verify it both ways. */
export async function issueCertificate(
  ca: PemPair,
  commonName: string,
  options: LeafOptions = {},
): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return createLeaf(commonName, options, {
    name: caCert.subjectName,
    signingKey: await webcrypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(ca.key),
      KEY_ALGORITHM,
      false,
      ['sign'],
    ),
    authorityKeyIdentifier:
      caKeyId === undefined
        ? await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey)
        : new x509.AuthorityKeyIdentifierExtension(caKeyId),
  });
}

/** A leaf for serverAuth + clientAuth, signed by `issuer` or, without one, by its own key. */
async function createLeaf(commonName: string, options: LeafOptions, issuer?: Issuer): Promise<PemPair> {
  const keys = await generateKeys();
  const name = subjectName(commonName);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const altNames = options.altNames ?? [];
  if (altNames.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        altNames.map((value) => ({ type: isIP(value) === 0 ? x509.DNS : x509.IP, value })),
      ),
    );
  }
  if (issuer) extensions.push(issuer.authorityKeyIdentifier);
  const cert = await x509.X509CertificateGenerator.create({
    ...validity(options.days),
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: issuer?.name ?? name,
    publicKey: keys.publicKey,
    signingKey: issuer?.signingKey ?? keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return toPemPair(cert, keys.privateKey);
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

function subjectName(commonName: string): x509.Name {
  // The JSON form, unlike an `CN=…` string, needs no escaping of commas or quotes in the name.
  return new x509.Name([{ CN: [commonName] }]);
}

function validity(days = DEFAULT_DAYS): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

/** 16 random bytes as hex; the top bit cleared keeps the DER INTEGER positive, the next one set keeps 16 bytes. */
function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

async function toPemPair(cert: x509.X509Certificate, privateKey: webcrypto.CryptoKey): Promise<PemPair> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', privateKey);
  return {
    cert: `${cert.toString('pem')}\n`,
    key: `${x509.PemConverter.encode(pkcs8, x509.PemConverter.PrivateKeyTag)}\n`,
  };
}
