import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PemPair,
  createCertificateAuthority,
  issueCertificate,
} from '../../src/mesh/tls/certificate-factory.js';

/** Two unrelated CAs: `issue` signs with the trusted `ca`, `issueUntrusted` with `otherCa`. */
export interface TestPki {
  ca: PemPair;
  otherCa: PemPair;
  issue(commonName: string): Promise<PemPair>;
  issueUntrusted(commonName: string): Promise<PemPair>;
}

/** A fresh trusted CA and an untrusted one; leaves get `commonName`, `localhost` and 127.0.0.1 as SANs. */
export async function makeTestPki(): Promise<TestPki> {
  const [ca, otherCa] = await Promise.all([
    createCertificateAuthority('UC Mesh test CA'),
    createCertificateAuthority('UC Mesh untrusted test CA'),
  ]);
  const altNames = (commonName: string): string[] => [commonName, 'localhost', '127.0.0.1'];
  return {
    ca,
    otherCa,
    issue: (commonName) => issueCertificate(ca, commonName, { altNames: altNames(commonName) }),
    issueUntrusted: (commonName) => issueCertificate(otherCa, commonName, { altNames: altNames(commonName) }),
  };
}

/** Writes `<name>-cert.pem` and `<name>-key.pem` (mode 0600) into `dir`. */
export async function writePem(
  dir: string,
  name: string,
  pair: PemPair,
): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  await Promise.all([writeFile(certFile, pair.cert), writeFile(keyFile, pair.key, { mode: 0o600 })]);
  return { certFile, keyFile };
}
