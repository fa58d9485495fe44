import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import type { LinkReason } from '../../src/mesh/link/link-reason.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import type { PemPair } from '../../src/mesh/tls/certificate-factory.js';
import { MeshNode } from '../helpers/mesh-node.js';
import { tempDataDir } from '../helpers/node-process.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { makeTestPki, type TestPki, writePem } from '../helpers/test-pki.js';

type TlsFiles = NonNullable<MeshModuleOptions['tls']>;

const DIALER_CN = 'mesh-dialer.test';
const ACCEPTOR_CN = 'mesh-acceptor.test';
const TEST_CA_CN = 'UC Mesh test CA';
const OTHER_CA_CN = 'UC Mesh untrusted test CA';

/** What the transport rule alone makes of two settings (certificates aside). */
type Transport = { transport: 'tls' | 'tcp' } | { dialerReason: LinkReason; acceptorReason: LinkReason };

/** The product rule (CONTRACT §3), by setting: TLS whenever both allow it, none against required fails. */
const SETTINGS: Array<[dialer: EncryptionMode, acceptor: EncryptionMode, expected: Transport]> = [
  ['none', 'none', { transport: 'tcp' }],
  ['none', 'starttls-optional', { transport: 'tcp' }],
  [
    'none',
    'starttls-required',
    { dialerReason: 'tls-required-remote', acceptorReason: 'tls-required-local' },
  ],
  ['starttls-optional', 'none', { transport: 'tcp' }],
  ['starttls-optional', 'starttls-optional', { transport: 'tls' }],
  ['starttls-optional', 'starttls-required', { transport: 'tls' }],
  [
    'starttls-required',
    'none',
    { dialerReason: 'tls-required-local', acceptorReason: 'tls-required-remote' },
  ],
  ['starttls-required', 'starttls-optional', { transport: 'tls' }],
  ['starttls-required', 'starttls-required', { transport: 'tls' }],
];

/** Whose certificate comes from another CA than the one both nodes trust. */
const TRUST = {
  'trusted both ways': { dialerCertUntrusted: false, acceptorCertUntrusted: false },
  "untrusted one way (the acceptor distrusts the dialer's)": {
    dialerCertUntrusted: true,
    acceptorCertUntrusted: false,
  },
  "untrusted one way (the dialer distrusts the acceptor's)": {
    dialerCertUntrusted: false,
    acceptorCertUntrusted: true,
  },
  'untrusted both ways': { dialerCertUntrusted: true, acceptorCertUntrusted: true },
} as const;
type TrustCase = keyof typeof TRUST;

type Outcome =
  | { transport: 'tcp' }
  | { transport: 'tls'; dialerTrusts: boolean; acceptorTrusts: boolean }
  | { dialerReason: LinkReason; acceptorReason: LinkReason };

/**
 * The cell's outcome, written out as the specification words it: a certificate one side does
 * not trust fails the link only when either side has `starttls-required`; otherwise TLS.
 */
function outcome(
  dialer: EncryptionMode,
  acceptor: EncryptionMode,
  transport: Transport,
  trust: TrustCase,
): Outcome {
  if (!('transport' in transport) || transport.transport === 'tcp') return transport as Outcome;
  const { dialerCertUntrusted, acceptorCertUntrusted } = TRUST[trust];
  const required = dialer === 'starttls-required' || acceptor === 'starttls-required';
  if (required && (dialerCertUntrusted || acceptorCertUntrusted)) {
    return { dialerReason: 'certificate-untrusted', acceptorReason: 'certificate-untrusted' };
  }
  return { transport: 'tls', dialerTrusts: !acceptorCertUntrusted, acceptorTrusts: !dialerCertUntrusted };
}

const CELLS = SETTINGS.flatMap(([dialer, acceptor, transport]) =>
  (Object.keys(TRUST) as TrustCase[]).map(
    (trust) => [dialer, acceptor, trust, outcome(dialer, acceptor, transport, trust)] as const,
  ),
);

describe('encryption matrix: dialer × acceptor encryption × certificate trust', () => {
  const cluster = meshCluster();
  let pki: TestPki;
  let dialerPair: PemPair;
  let acceptorPair: PemPair;
  let untrustedAcceptorPair: PemPair;
  /** Certificate files per role, all with `caFile` = the trusted test CA. */
  let files: { dialer: TlsFiles; acceptor: TlsFiles; untrustedDialer: TlsFiles; untrustedAcceptor: TlsFiles };

  const start = async (options: Partial<MeshModuleOptions>): Promise<MeshNode> => cluster.start(options);

  beforeAll(async () => {
    pki = await makeTestPki();
    const dir = await tempDataDir();
    const caFile = join(dir, 'ca-cert.pem');
    await writeFile(caFile, pki.ca.cert);
    [dialerPair, acceptorPair] = await Promise.all([pki.issue(DIALER_CN), pki.issue(ACCEPTOR_CN)]);
    const [dialer, acceptor, untrustedDialer, untrustedAcceptor] = await Promise.all([
      writePem(dir, 'dialer', dialerPair),
      writePem(dir, 'acceptor', acceptorPair),
      pki.issueUntrusted(DIALER_CN).then((pair) => writePem(dir, 'untrusted-dialer', pair)),
      pki.issueUntrusted(ACCEPTOR_CN).then((pair) => {
        untrustedAcceptorPair = pair;
        return writePem(dir, 'untrusted-acceptor', pair);
      }),
    ]);
    files = {
      dialer: { ...dialer, caFile },
      acceptor: { ...acceptor, caFile },
      untrustedDialer: { ...untrustedDialer, caFile },
      untrustedAcceptor: { ...untrustedAcceptor, caFile },
    };
  });

  it.each(CELLS)(
    'dialer %s × acceptor %s, certificates %s',
    async (dialerMode, acceptorMode, trust, expected) => {
      const { dialerCertUntrusted, acceptorCertUntrusted } = TRUST[trust];
      const acceptor = await start({
        encryption: acceptorMode,
        tls: acceptorCertUntrusted ? files.untrustedAcceptor : files.acceptor,
      });
      const dialer = await start({
        encryption: dialerMode,
        tls: dialerCertUntrusted ? files.untrustedDialer : files.dialer,
      });
      dialer.link.connect(acceptor.target);

      if ('dialerReason' in expected) {
        const status = await dialer.untilStatus(acceptor.target, 'error', expected.dialerReason);
        expect(status.message).toEqual(expect.any(String));
        const event = await acceptor.until(
          'the acceptor to report the failure',
          () => acceptor.inboundErrors(expected.acceptorReason)[0],
        );
        expect(event.payload).toMatchObject({
          direction: 'inbound',
          remoteAddress: '127.0.0.1',
          reason: expected.acceptorReason,
        });
        // No fallback to plain TCP (or to unverified TLS), on either side.
        expect(dialer.named('mesh.link.up')).toEqual([]);
        expect(acceptor.named('mesh.link.up')).toEqual([]);
        expect(dialer.link.linkedNodes()).toEqual([]);
        expect(acceptor.link.linkedNodes()).toEqual([]);
        return;
      }

      const status = await dialer.untilStatus(acceptor.target, 'connected');
      expect(status).toMatchObject({ direction: 'outbound', transport: expected.transport });
      const up = await acceptor.until('the acceptor to report the link', () =>
        acceptor.named('mesh.link.up').find((e) => e.payload.nodeId === dialer.nodeId),
      );
      expect(up.payload).toMatchObject({ direction: 'inbound', transport: expected.transport });

      if (expected.transport === 'tcp') {
        expect(status.tls).toBeUndefined();
        expect(up.payload.tls).toBeUndefined();
        return;
      }
      const acceptorCert = acceptorCertUntrusted ? untrustedAcceptorPair : acceptorPair;
      expect(status.tls).toMatchObject({
        protocol: expect.stringMatching(/^TLSv1\./),
        cipher: expect.any(String),
        subject: ACCEPTOR_CN,
        issuer: acceptorCertUntrusted ? OTHER_CA_CN : TEST_CA_CN,
        fingerprint256: new X509Certificate(acceptorCert.cert).fingerprint256,
        peerTrusted: expected.dialerTrusts,
        trustedByPeer: expected.acceptorTrusts,
      });
      expect(status.tls?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(up.payload.tls).toMatchObject({
        subject: DIALER_CN,
        peerTrusted: expected.acceptorTrusts,
        trustedByPeer: expected.dialerTrusts,
      });
    },
  );

  it('links two nodes with generated self-signed certificates and no CA over TLS', async () => {
    const acceptor = await start({ encryption: 'starttls-optional' });
    const dialer = await start({ encryption: 'starttls-optional' });
    dialer.link.connect(acceptor.target);

    const status = await dialer.untilStatus(acceptor.target, 'connected');
    expect(status).toMatchObject({
      transport: 'tls',
      // The generated certificate is named after the advertised host and signs itself.
      tls: {
        protocol: expect.stringMatching(/^TLSv1\./),
        subject: '127.0.0.1',
        issuer: '127.0.0.1',
        // Without a CA no chain is checked: nothing to distrust.
        peerTrusted: true,
        trustedByPeer: true,
      },
    });
    const up = await acceptor.until('the acceptor to report the link', () =>
      acceptor.named('mesh.link.up').find((e) => e.payload.nodeId === dialer.nodeId),
    );
    expect(up.payload).toMatchObject({ direction: 'inbound', transport: 'tls' });
  });
});
