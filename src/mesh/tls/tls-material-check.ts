import { X509Certificate } from 'node:crypto';
import { KeyFileError } from '../../common/key-file.error.js';
import { checkCa, checkPair } from './tls-material.js';

/** Where each part of the material came from, as an operator knows it (a file or an API field). */
export interface MaterialNames {
  cert: string;
  key: string;
  ca: string;
  remedy: string;
}

const MAX_CHAIN = 10;

/**
 * Everything a live replacement must pass before it is used, else the old material stays: a
 * readable key, a certificate it belongs to, a CA that parses, a certificate the CA (through the
 * intermediates after the leaf) issued — peers would refuse it otherwise — and one valid at `now`.
 * @throws KeyFileError naming the part and what is wrong with it.
 */
export function checkReplacement(
  material: { cert: string; key: string; ca?: string },
  names: MaterialNames,
  now: number,
): void {
  checkPair(material, names);
  const leaf = new X509Certificate(material.cert);
  const expires = Date.parse(leaf.validTo);
  if (expires <= now) {
    throw new KeyFileError(names.cert, `expired on ${new Date(expires).toISOString()}`, names.remedy);
  }
  const starts = Date.parse(leaf.validFrom);
  if (starts > now) {
    throw new KeyFileError(names.cert, `is not valid before ${new Date(starts).toISOString()}`, names.remedy);
  }
  if (material.ca === undefined) return;
  checkCa(names.ca, material.ca);
  if (!chainsTo(material.cert, material.ca)) {
    throw new KeyFileError(
      names.cert,
      `is not issued by the CA in the ${names.ca}`,
      "use a certificate signed by the mesh's CA (with any intermediate certificates after it)",
    );
  }
}

/** True when the leaf (first certificate of `certPem`) leads, through the others, to one of `caPem`. */
export function chainsTo(certPem: string, caPem: string): boolean {
  const [leaf, ...intermediates] = parseAll(certPem);
  const anchors = parseAll(caPem);
  let current = leaf;
  for (let depth = 0; current && depth < MAX_CHAIN; depth++) {
    const at = current;
    if (anchors.some((anchor) => issued(anchor, at))) return true;
    current = intermediates.find((candidate) => candidate !== at && issued(candidate, at));
  }
  return false;
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The certificates of a PEM text; a block OpenSSL cannot read is left out (it issues nothing). */
function parseAll(pem: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const block of pem.match(PEM_CERTIFICATE) ?? []) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // Left out, see above.
    }
  }
  return certificates;
}
