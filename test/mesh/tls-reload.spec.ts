import { X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { MeshTlsController } from '../../src/admin/mesh/mesh-tls.controller.js';
import type { LinkStatus } from '../../src/mesh/link/link-status.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { TlsMaterialService } from '../../src/mesh/tls/tls-material.service.js';
import type { PemPair } from '../../src/mesh/tls/certificate-factory.js';
import { startAdminTestApp } from '../helpers/admin-test-app.js';
import { MeshNode } from '../helpers/mesh-node.js';
import { nodeDatabaseModule } from '../helpers/node-database-module.js';
import { tempDataDir } from '../helpers/node-process.js';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { makeTestPki, type TestPki, writePem } from '../helpers/test-pki.js';

const TOKEN = 'tls-reload-admin-token-0123456789';

let database: TestDatabaseServer;
let pki: TestPki;
const nodes: MeshNode[] = [];
const apps: INestApplication[] = [];

beforeAll(async () => {
  [database, pki] = await Promise.all([TestDatabaseServer.start(), makeTestPki()]);
});
afterEach(async () => {
  await Promise.all([...nodes.splice(0).map((n) => n.close()), ...apps.splice(0).map((a) => a.close())]);
});
afterAll(async () => {
  await database.stop();
});

/** Options of a node with its own certificate from the test CA, TLS required, CA verified. */
async function tlsOptions(
  name: string,
): Promise<Partial<MeshModuleOptions> & { tls: { certFile: string; keyFile: string } }> {
  const dir = await tempDataDir();
  const files = await writePem(dir, name, await pki.issue(name));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  return { encryption: 'starttls-required', tls: { ...files, caFile }, tlsReloadIntervalMs: 100 };
}

async function startNode(name: string): Promise<MeshNode> {
  const node = await MeshNode.start(database, await tlsOptions(name));
  nodes.push(node);
  return node;
}

const fingerprint = (pair: PemPair) => new X509Certificate(pair.cert).fingerprint256;

/** Waits until `node` is linked to `target` and returns the status (its `tls` seen from `node`). */
function untilConnected(node: MeshNode, target: { host: string; port: number }): Promise<LinkStatus> {
  return node.untilStatus(target, 'connected');
}

/** Replaces a file the way certificate tools do: written beside it, then renamed over it. */
async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.new`, text);
  await rename(`${file}.new`, file);
}

describe('certificates replaced while the node runs', () => {
  it('takes new certificate files for new links, keeps existing links, and keeps the old material over a broken file', async () => {
    const aOptions = await tlsOptions('node-a');
    const a = await MeshNode.start(database, aOptions);
    nodes.push(a);
    const [b, c, d] = await Promise.all([startNode('node-b'), startNode('node-c'), startNode('node-d')]);
    const original = await readFile(aOptions.tls.certFile, 'utf8');

    b.link.connect(a.target);
    const before = await untilConnected(b, a.target);
    expect(before.tls?.fingerprint256).toBe(new X509Certificate(original).fingerprint256);
    expect(Date.parse(before.tls?.peerCertificateExpires ?? '')).toBeGreaterThan(Date.now());
    expect(Date.parse(before.tls?.localCertificateExpires ?? '')).toBeGreaterThan(Date.now());

    // Key first, then certificate: in between the pair does not match, which must not be taken.
    const renewed = await pki.issue('node-a-renewed');
    await replaceFile(aOptions.tls.keyFile, renewed.key);
    await replaceFile(aOptions.tls.certFile, renewed.cert);
    await a.until('mesh.tls.reloaded at a', () => a.named('mesh.tls.reloaded').length > 0);
    expect(a.named('mesh.tls.reloaded')).toEqual([
      {
        name: 'mesh.tls.reloaded',
        payload: expect.objectContaining({
          source: 'file',
          certificate: expect.objectContaining({
            subject: 'node-a-renewed',
            fingerprint256: fingerprint(renewed),
          }),
        }),
      },
    ]);

    // A new link gets the new certificate …
    c.link.connect(a.target);
    const atC = await untilConnected(c, a.target);
    expect(atC.tls).toMatchObject({ subject: 'node-a-renewed', fingerprint256: fingerprint(renewed) });
    expect(atC.tls?.peerCertificateExpires).toBe(
      new Date(new X509Certificate(renewed.cert).validTo).toISOString(),
    );

    // … the link from before keeps its session: same since, no link went down.
    const stillB = b.link.status(a.target);
    expect(stillB).toMatchObject({ state: 'connected', since: before.since });
    expect(stillB?.tls?.fingerprint256).toBe(before.tls?.fingerprint256);
    expect([...a.named('mesh.link.down'), ...b.named('mesh.link.down')]).toEqual([]);

    // A half-written certificate file is refused with a clear error; the renewed material stays.
    await writeFile(aOptions.tls.certFile, renewed.cert.slice(0, 200));
    const tls = a.app.get(TlsMaterialService);
    const error = await a.until('the refusal', () => tls.overview().lastError);
    expect(error).toContain(`TLS certificate file ${aOptions.tls.certFile}`);
    expect(tls.overview().certificate?.fingerprint256).toBe(fingerprint(renewed));
    // The evaluation license allows two links: C makes room for D.
    c.link.disconnect(a.target);
    await a.until('c unlinked', () => !a.link.isLinked(c.nodeId));
    d.link.connect(a.target);
    expect((await untilConnected(d, a.target)).tls?.fingerprint256).toBe(fingerprint(renewed));
    expect(a.named('mesh.tls.reloaded')).toHaveLength(1);
  });

  it('PUT /api/mesh/tls refuses bad material with 400 and keeps the old, then takes good material for new links', async () => {
    const options = await tlsOptions('node-a');
    const app = await startAdminTestApp({
      token: TOKEN,
      controllers: [MeshTlsController],
      imports: [
        EventEmitterModule.forRoot(),
        nodeDatabaseModule(await database.createDatabase()),
        MeshModule.forRoot({
          host: '127.0.0.1',
          port: 0,
          bind: '127.0.0.1',
          meshId: 'test-mesh',
          password: 'test-password',
          discovery: false,
          dataDir: await tempDataDir(),
          acceptUnknownPeers: true,
          reconnectMinMs: 200,
          reconnectMaxMs: 1000,
          ...options,
        }),
      ],
    });
    apps.push(app);
    const target = { host: '127.0.0.1', port: app.get(LinkService).port };
    const url = `${await app.getUrl()}/api/mesh/tls`.replace('[::1]', '127.0.0.1');
    const put = async (body: unknown) => {
      const response = await fetch(url, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        body: (await response.json()) as { message?: unknown; certificate?: { fingerprint256: string } },
      };
    };
    const original = await readFile(options.tls.certFile, 'utf8');
    const [b, c] = await Promise.all([startNode('node-b'), startNode('node-c')]);
    b.link.connect(target);
    const before = await untilConnected(b, target);

    const renewed = await pki.issue('node-a-renewed');
    const other = await pki.issue('someone-else');
    const untrusted = await pki.issueUntrusted('node-a-renewed');
    const refusals = [
      [{ cert: 'not a certificate', key: renewed.key }, /cert is not a certificate/],
      [{ cert: renewed.cert, key: 'garbage' }, /key is not a private key/],
      [{ cert: renewed.cert, key: other.key }, /key is not the key of the certificate in the cert/],
      [untrusted, /cert is not issued by the CA in the ca/],
      [{ cert: renewed.cert }, /"key must be/],
      [{ cert: renewed.cert, key: renewed.key, extra: 1 }, /extra/],
    ] as const;
    for (const [body, message] of refusals) {
      const answer = await put(body);
      expect([answer.status, JSON.stringify(answer.body.message)]).toEqual([
        400,
        expect.stringMatching(message),
      ]);
    }
    expect(app.get(TlsMaterialService).overview().certificate?.fingerprint256).toBe(
      new X509Certificate(original).fingerprint256,
    );
    expect(await readFile(options.tls.certFile, 'utf8')).toBe(original);

    const accepted = await put({ cert: renewed.cert, key: renewed.key });
    expect(accepted.status).toBe(200);
    expect(accepted.body.certificate?.fingerprint256).toBe(fingerprint(renewed));
    // Written to the files, so a restart keeps it.
    expect(await readFile(options.tls.certFile, 'utf8')).toBe(renewed.cert);
    expect(await readFile(options.tls.keyFile, 'utf8')).toBe(renewed.key);

    c.link.connect(target);
    expect((await untilConnected(c, target)).tls?.fingerprint256).toBe(fingerprint(renewed));
    expect(b.link.status(target)).toMatchObject({ state: 'connected', since: before.since });
    expect(b.named('mesh.link.down')).toEqual([]);
  });
});
