import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { type TestPki, makeTestPki, writePem } from '../../../test/helpers/test-pki.js';
import { type PemPair, createSelfSignedPair } from './certificate-factory.js';
import { loadOrCreateTlsMaterial } from './tls-material.js';

const servers = new Set<tls.Server>();
const sockets = new Set<tls.TLSSocket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all([...servers].map((server) => new Promise((closed) => server.close(closed))));
  servers.clear();
});

/** A mutual-TLS echo server on loopback that only accepts client certificates chaining to `ca`. */
async function listen(pair: PemPair, ca: string): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(
    { cert: pair.cert, key: pair.key, ca: [ca], requestCert: true, rejectUnauthorized: true },
    (socket) => {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => socket.write(chunk));
    },
  );
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

interface Exchange {
  authorized: boolean;
  echoed?: string;
  error?: NodeJS.ErrnoException;
}

/** Connects with `pair`, trusting `ca`, sends one message and reports what came back. */
function exchange(port: number, pair: PemPair, ca: string): Promise<Exchange> {
  return new Promise((settle) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      cert: pair.cert,
      key: pair.key,
      ca: [ca],
      // The peers are addressed by IP in these tests; chain verification is what is under test.
      checkServerIdentity: () => undefined,
    });
    sockets.add(socket);
    socket.once('secureConnect', () => socket.write('ping'));
    socket.once('data', (chunk: Buffer) =>
      settle({ authorized: socket.authorized, echoed: chunk.toString() }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => settle({ authorized: socket.authorized, error }));
    socket.once('close', () => settle({ authorized: socket.authorized }));
  });
}

describe('certificate factory', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await makeTestPki();
  });

  it('creates a self-signed pair with the common name and DNS and IP alternative names', async () => {
    const pair = await createSelfSignedPair('node-a', { altNames: ['node-a.lan', '127.0.0.1', '::1'] });

    const cert = new X509Certificate(pair.cert);
    expect(cert.subject).toBe('CN=node-a');
    expect(cert.issuer).toBe('CN=node-a');
    expect(cert.subjectAltName).toBe('DNS:node-a.lan, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
    expect(pair.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(cert.ca).toBe(false);
    expect(cert.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now() - 50 * 60_000);
    expect(new Date(cert.validTo).getFullYear()).toBeGreaterThanOrEqual(new Date().getFullYear() + 9);
  });

  it('lets two leaves of the same CA authenticate each other over mutual TLS', async () => {
    const [serverPair, clientPair] = await Promise.all([pki.issue('node-server'), pki.issue('node-client')]);
    const { server, port } = await listen(serverPair, pki.ca.cert);
    const accepted = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;

    const result = await exchange(port, clientPair, pki.ca.cert);

    const [serverSide] = await accepted;
    expect(result).toEqual({ authorized: true, echoed: 'ping' });
    expect(serverSide.authorized).toBe(true);
    expect(serverSide.getPeerX509Certificate()?.subject).toBe('CN=node-client');
    expect(new X509Certificate(serverPair.cert).checkIssued(new X509Certificate(pki.ca.cert))).toBe(true);
  });

  it('makes the server reject a client certificate of another CA', async () => {
    const [serverPair, clientPair] = await Promise.all([
      pki.issue('node-server'),
      pki.issueUntrusted('intruder'),
    ]);
    const { server, port } = await listen(serverPair, pki.ca.cert);
    const rejected = once(server, 'tlsClientError') as Promise<[NodeJS.ErrnoException, tls.TLSSocket]>;

    const result = await exchange(port, clientPair, pki.ca.cert);

    // Node's server drops an unauthorized client without an alert; the reason stays on its socket.
    const [serverError, serverSide] = await rejected;
    expect(result.echoed).toBeUndefined();
    expect(serverSide.authorized).toBe(false);
    expect(serverError.code).toBe('ECONNRESET');
    expect(serverSide.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('makes the client reject a server certificate of another CA', async () => {
    const [serverPair, clientPair] = await Promise.all([
      pki.issueUntrusted('impostor'),
      pki.issue('node-client'),
    ]);
    const { port } = await listen(serverPair, pki.ca.cert);

    const result = await exchange(port, clientPair, pki.ca.cert);

    expect(result.echoed).toBeUndefined();
    expect(result.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(result.authorized).toBe(false);
  });
});

describe('loadOrCreateTlsMaterial', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ucmesh-tls-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates a self-signed pair once and reuses it', async () => {
    const first = await loadOrCreateTlsMaterial({ dataDir, commonName: 'node-a.lan' });
    const second = await loadOrCreateTlsMaterial({ dataDir, commonName: 'node-a.lan' });

    expect(first.generated).toBe(true);
    expect(second).toEqual({ cert: first.cert, key: first.key, generated: false });
    expect(new X509Certificate(first.cert).subjectAltName).toBe('DNS:node-a.lan');
    const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
    expect(await mode(join(dataDir, 'tls'))).toBe(0o700);
    expect(await mode(join(dataDir, 'tls', 'node-key.pem'))).toBe(0o600);
    expect(await mode(join(dataDir, 'tls', 'node-cert.pem'))).toBe(0o644);
  });

  it('reads the configured certificate, key and CA files', async () => {
    const pki = await makeTestPki();
    const pair = await pki.issue('node-b');
    const { certFile, keyFile } = await writePem(dataDir, 'node-b', pair);
    const { certFile: caFile } = await writePem(dataDir, 'ca', pki.ca);

    const material = await loadOrCreateTlsMaterial({ certFile, keyFile, caFile, dataDir, commonName: 'x' });

    expect(material).toEqual({ cert: pair.cert, key: pair.key, ca: pki.ca.cert, generated: false });
  });

  it('names a configured file that cannot be read', async () => {
    const certFile = join(dataDir, 'missing-cert.pem');
    const { keyFile } = await writePem(dataDir, 'unused', await createSelfSignedPair('unused'));

    await expect(loadOrCreateTlsMaterial({ certFile, keyFile, dataDir, commonName: 'x' })).rejects.toThrow(
      `MESH_TLS_CERT file ${certFile} cannot be read: ENOENT`,
    );
  });
  it.each([
    ['a key of another certificate', 'mismatch'],
    ['a corrupted key', 'corrupted'],
    ['a key encrypted with a passphrase', 'encrypted'],
    ['a corrupted CA file', 'ca'],
  ])('names the file of %s and says what to do', async (_, kind) => {
    const pki = await makeTestPki();
    const pair = await pki.issue(`node-${kind}`);
    const other = await pki.issue('someone-else');
    const { certFile, keyFile } = await writePem(dataDir, `bad-${kind}`, pair);
    const caFile = join(dataDir, `bad-${kind}-ca.pem`);
    await writeFile(caFile, pki.ca.cert.replace(/\n[A-Za-z0-9+/]{16}/, '\n****************'));
    if (kind === 'mismatch') await writeFile(keyFile, other.key);
    if (kind === 'corrupted')
      await writeFile(keyFile, pair.key.replace(/\n[A-Za-z0-9+/]{16}/, '\n****************'));
    if (kind === 'encrypted') {
      const key = createPrivateKey(pair.key);
      await writeFile(
        keyFile,
        key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string,
      );
    }
    const loading = loadOrCreateTlsMaterial({
      certFile,
      keyFile,
      caFile: kind === 'ca' ? caFile : undefined,
      dataDir,
      commonName: 'x',
    });
    const expected = {
      mismatch: `MESH_TLS_KEY file ${keyFile} is not the key of the certificate in the MESH_TLS_CERT file ${certFile}; point MESH_TLS_CERT and MESH_TLS_KEY at`,
      corrupted: `MESH_TLS_KEY file ${keyFile} is not a private key (`,
      encrypted: `MESH_TLS_KEY file ${keyFile} is encrypted with a passphrase; point MESH_TLS_CERT and MESH_TLS_KEY at a PEM certificate and its own unencrypted private key`,
      ca: `MESH_TLS_CA file ${caFile} is not a certificate (`,
    }[kind];
    await expect(loading).rejects.toThrow(expected);
  });
});
