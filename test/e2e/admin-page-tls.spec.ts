import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { browserSession, factsOf, signIn, untilAttribute } from '../helpers/browser.js';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { makeTestPki, writePem } from '../helpers/test-pki.js';

/** Loopback only, no LAN search. */
const MESH = {
  MESH_HOST: '127.0.0.1',
  MESH_DISCOVERY: 'false',
  MESH_ID: 'page-tls',
  MESH_PASSWORD: 'page-tls-pw',
};
const LIMIT_MS = 60_000;

const session = browserSession();

describe('the admin page and certificates that are not verified', () => {
  it('marks a TLS link with an untrusted certificate "not verified" and fails it once TLS is required', async () => {
    const pki = await makeTestPki();
    const dir = await tempDataDir();
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, pki.ca.cert);
    const [portA, portB] = [await freePort(), await freePort()];
    const start = async (name: string, trusted: boolean, port: number, peer: number) => {
      const pair = await (trusted ? pki.issue(name) : pki.issueUntrusted(name));
      const { certFile, keyFile } = await writePem(dir, name, pair);
      return session.startNode({
        ...MESH,
        MESH_PORT: String(port),
        MESH_PEERS: `127.0.0.1:${peer}`,
        MESH_ENCRYPTION: 'starttls-optional',
        MESH_TLS_CERT: certFile,
        MESH_TLS_KEY: keyFile,
        MESH_TLS_CA: caFile,
      });
    };
    // B's certificate comes from a CA that A does not trust; A's is trusted by B.
    const a = await start('a.test', true, portA, portB);
    await start('b.test', false, portB, portA);

    const { page, problems } = await session.openAdmin(a);
    await signIn(page, a.adminToken);
    const rowB = page.locator(`#fixed-nodes tr[data-testid="node-127.0.0.1:${portB}"]`);
    const status = rowB.locator('[data-testid="status"]');
    await untilAttribute(status, 'data-state', 'connected', LIMIT_MS);
    await untilAttribute(status, 'data-colour', 'unverified', LIMIT_MS);
    expect(await rowB.locator('[data-testid="unverified"]').textContent()).toBe('not verified');
    // The status's dot and the link's mark are yellow-green.
    expect(await status.locator('.dot.unverified').count()).toBe(1);
    expect(await rowB.locator('[data-testid="unverified"] .dot.unverified').count()).toBe(1);
    expect(
      await page.locator(`#picture line[data-testid="link-127.0.0.1:${portB}"]`).getAttribute('class'),
    ).toBe('link unverified');

    await rowB.locator('[data-role="details"]').click();
    const details = await factsOf(page.locator('#details-facts'));
    expect(details).toMatchObject({
      Transport: 'TLS',
      Issuer: 'UC Mesh untrusted test CA',
      "Peer's certificate trusted here": 'no',
      "This node's certificate trusted by the peer": 'yes',
      'Protocol version': '2',
      'TLS required': 'no',
    });
    await page.keyboard.press('Escape');

    // The checkbox requires TLS for B: the link is made again and fails on the certificate.
    await rowB.locator('[data-role="require-tls"]').check();
    await untilAttribute(status, 'data-colour', 'error', LIMIT_MS);
    await rowB.locator('.reason[data-reason="certificate-untrusted"]').waitFor();
    const listed = (await a.api('/api/mesh/nodes', { token: a.adminToken })).body as Array<{
      requireTls: boolean;
    }>;
    expect(listed).toEqual([expect.objectContaining({ requireTls: true })]);
    expect(problems).toEqual([]);
  });
});
