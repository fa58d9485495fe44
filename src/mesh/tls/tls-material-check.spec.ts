import { describe, expect, it } from '@jest/globals';
import { KeyFileError } from '../../common/key-file.error.js';
import { createCertificateAuthority, createSelfSignedPair, issueCertificate } from './certificate-factory.js';
import { chainsTo, checkReplacement, type MaterialNames } from './tls-material-check.js';

const NAMES: MaterialNames = { cert: 'cert', key: 'key', ca: 'ca', remedy: 'send better PEM' };
const DAY_MS = 86_400_000;

describe('checkReplacement', () => {
  it('takes a pair signed by the CA; a certificate of another CA does not chain to it', async () => {
    const root = await createCertificateAuthority('root');
    const leaf = await issueCertificate(root, 'node');
    expect(() => checkReplacement({ ...leaf, ca: root.cert }, NAMES, Date.now())).not.toThrow();

    const other = await createCertificateAuthority('other');
    const byOther = await issueCertificate(other, 'node');
    expect(chainsTo(byOther.cert, root.cert)).toBe(false);
    // Its CA certificate sent after the leaf is no way to the root either: it is not signed by it.
    expect(chainsTo(`${byOther.cert}${other.cert}`, root.cert)).toBe(false);
    expect(chainsTo(byOther.cert, `${root.cert}${other.cert}`)).toBe(true);
  });

  it('refuses, naming the part: bad PEM, a key of another certificate, a foreign CA, an expired certificate', async () => {
    const ca = await createCertificateAuthority('ca');
    const other = await createCertificateAuthority('other');
    const pair = await issueCertificate(ca, 'node');
    const stranger = await issueCertificate(other, 'node');
    const cases: Array<[Parameters<typeof checkReplacement>[0], number, RegExp]> = [
      [{ cert: 'nonsense', key: pair.key }, Date.now(), /^cert is not a certificate/],
      [
        { cert: pair.cert, key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' },
        Date.now(),
        /^key is not a private key/,
      ],
      [
        { cert: pair.cert, key: stranger.key },
        Date.now(),
        /^key is not the key of the certificate in the cert/,
      ],
      [{ ...stranger, ca: ca.cert }, Date.now(), /^cert is not issued by the CA in the ca/],
      [{ ...pair, ca: 'not pem' }, Date.now(), /^ca is not a certificate/],
      [pair, Date.now() + 3651 * DAY_MS, /^cert expired on \d{4}-/],
    ];
    for (const [material, now, message] of cases) {
      let thrown: unknown;
      try {
        checkReplacement(material, NAMES, now);
      } catch (error: unknown) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(KeyFileError);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('takes a self-signed pair when no CA is configured', async () => {
    const pair = await createSelfSignedPair('node');
    expect(() => checkReplacement(pair, NAMES, Date.now())).not.toThrow();
  });
});
