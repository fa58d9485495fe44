import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** A certificate as the API and the log show it. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprint256: string;
  /** ISO 8601. */
  validFrom: string;
  /** ISO 8601: when the certificate expires. */
  validTo: string;
}

/** The first certificate of a PEM text (the leaf of a chain). */
export function certificateInfo(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    subject: commonName(cert.subject),
    issuer: commonName(cert.issuer),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

/** Expiry of both certificates of a TLS session, as a link's status carries them (`status.tls`). */
export interface CertificateExpiries {
  /** When the certificate this node presented on the link expires (ISO 8601). */
  localCertificateExpires?: string;
  /** When the peer's certificate expires (ISO 8601). */
  peerCertificateExpires?: string;
}

export function certificateExpiries(secure: TLSSocket): CertificateExpiries {
  const local = secure.getCertificate();
  const peer = secure.getPeerCertificate();
  const localTo = local && 'valid_to' in local ? local.valid_to : undefined;
  return {
    ...(localTo && { localCertificateExpires: new Date(localTo).toISOString() }),
    ...(peer?.valid_to && { peerCertificateExpires: new Date(peer.valid_to).toISOString() }),
  };
}

/** `CN=a\nO=b` (Node's form) → `a`; the whole name when it has no CN. */
function commonName(name: string): string {
  const cn = /^CN=(.*)$/m.exec(name)?.[1];
  return cn ?? name.replace(/\n/g, ', ');
}
