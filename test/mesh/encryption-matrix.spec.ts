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

/** The product rule (CONTRACT §3), cell by cell: what the dialer and the acceptor must show. */
const MATRIX: Array<
  [
    dialer: EncryptionMode,
    acceptor: EncryptionMode,
    expected: { transport: 'tls' | 'tcp' } | { dialerReason: LinkReason; acceptorReason: LinkReason },
  ]
> = [
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

const TLS_CAPABLE: EncryptionMode[] = ['starttls-optional', 'starttls-required'];
const TLS_PAIRS: Array<[EncryptionMode, EncryptionMode]> = TLS_CAPABLE.flatMap((dialer) =>
  TLS_CAPABLE.map((acceptor): [EncryptionMode, EncryptionMode] => [dialer, acceptor]),
);

describe('encryption matrix: dialer × acceptor encryption, certificates from a shared CA', () => {
  const cluster = meshCluster();
  let pki: TestPki;
  let dialerPair: PemPair;
  let acceptorPair: PemPair;
  /** Certificate files per role, all with `caFile` = the trusted test CA. */
  let files: { dialer: TlsFiles; acceptor: TlsFiles; untrustedDialer: TlsFiles; untrustedAcceptor: TlsFiles };

  const start = async (options: Partial<MeshModuleOptions>): Promise<MeshNode> => {
    return cluster.start(options);
  };

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
      pki.issueUntrusted(ACCEPTOR_CN).then((pair) => writePem(dir, 'untrusted-acceptor', pair)),
    ]);
    files = {
      dialer: { ...dialer, caFile },
      acceptor: { ...acceptor, caFile },
      untrustedDialer: { ...untrustedDialer, caFile },
      untrustedAcceptor: { ...untrustedAcceptor, caFile },
    };
  });

  describe('the transport rule', () => {
    it.each(MATRIX)('dialer %s × acceptor %s', async (dialerMode, acceptorMode, expected) => {
      const acceptor = await start({ encryption: acceptorMode, tls: files.acceptor });
      const dialer = await start({ encryption: dialerMode, tls: files.dialer });
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
        // No fallback to plain TCP, on either side.
        expect(dialer.named('mesh.link.up')).toEqual([]);
        expect(acceptor.named('mesh.link.up')).toEqual([]);
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
        return;
      }
      expect(status.tls).toMatchObject({
        protocol: expect.stringMatching(/^TLSv1\./),
        cipher: expect.any(String),
        subject: ACCEPTOR_CN,
        issuer: TEST_CA_CN,
        fingerprint256: new X509Certificate(acceptorPair.cert).fingerprint256,
      });
      expect(status.tls?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });
  });

  describe('a certificate from another CA fails the link on both sides, never falling back to TCP', () => {
    const cells = TLS_PAIRS.flatMap(([dialerMode, acceptorMode]) => [
      [dialerMode, acceptorMode, 'dialer'] as const,
      [dialerMode, acceptorMode, 'acceptor'] as const,
    ]);

    it.each(cells)('dialer %s × acceptor %s, the %s certificate untrusted', async (d, a, untrusted) => {
      const acceptor = await start({
        encryption: a,
        tls: untrusted === 'acceptor' ? files.untrustedAcceptor : files.acceptor,
      });
      const dialer = await start({
        encryption: d,
        tls: untrusted === 'dialer' ? files.untrustedDialer : files.dialer,
      });
      dialer.link.connect(acceptor.target);

      const status = await dialer.untilStatus(acceptor.target, 'error', 'certificate-untrusted');
      expect(status.message).toEqual(expect.any(String));
      const event = await acceptor.until(
        'the acceptor to report the untrusted certificate',
        () => acceptor.inboundErrors('certificate-untrusted')[0],
      );
      expect(event.payload).toMatchObject({ direction: 'inbound', remoteAddress: '127.0.0.1' });

      expect(dialer.named('mesh.link.up')).toEqual([]);
      expect(acceptor.named('mesh.link.up')).toEqual([]);
      expect(dialer.link.linkedNodes()).toEqual([]);
      expect(acceptor.link.linkedNodes()).toEqual([]);
    });
  });

  it('links two nodes with generated self-signed certificates and no CA over TLS', async () => {
    const acceptor = await start({ encryption: 'starttls-optional' });
    const dialer = await start({ encryption: 'starttls-optional' });
    dialer.link.connect(acceptor.target);

    const status = await dialer.untilStatus(acceptor.target, 'connected');
    expect(status).toMatchObject({
      transport: 'tls',
      // The generated certificate is named after the advertised host and signs itself.
      tls: { protocol: expect.stringMatching(/^TLSv1\./), subject: '127.0.0.1', issuer: '127.0.0.1' },
    });
    const up = await acceptor.until('the acceptor to report the link', () =>
      acceptor.named('mesh.link.up').find((e) => e.payload.nodeId === dialer.nodeId),
    );
    expect(up.payload).toMatchObject({ direction: 'inbound', transport: 'tls' });
  });
});
