import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { createSelfSignedPair } from '../../src/mesh/tls/certificate-factory.js';
import { launchBrowser, openPage, screenshot, signIn, untilAttribute } from '../helpers/browser.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { writePem } from '../helpers/test-pki.js';

/** Loopback only, no LAN search. */
const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'page-diagnose', MESH_PASSWORD: 'page-diagnose-password' };

let browser: Browser;
const contexts: BrowserContext[] = [];
const running: NodeProcess[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({ ...MESH, DATA_DIR: await tempDataDir(), ...env });
  running.push(node);
  return node;
}

function text(locator: Locator): Promise<string> {
  return locator.textContent({ timeout: 1000 }).then((value) => (value ?? '').trim());
}

describe('the admin page: certificate expiry and the diagnosis', () => {
  it("warns of a peer's certificate expiring in 10 days and shows the diagnosis in German, then in English", async () => {
    const [portA, portB, dead] = [await freePort(), await freePort(), await freePort()];
    const pair = await createSelfSignedPair('node-b', { days: 10 });
    const files = await writePem(await tempDataDir(), 'node-b', pair);
    const [a] = await Promise.all([
      start({ MESH_PORT: String(portA), MESH_PEERS: `127.0.0.1:${portB},127.0.0.1:${dead}` }),
      start({
        MESH_PORT: String(portB),
        MESH_PEERS: `127.0.0.1:${portA}`,
        MESH_TLS_CERT: files.certFile,
        MESH_TLS_KEY: files.keyFile,
      }),
    ]);
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 1400 } });
    contexts.push(context);
    const { page, problems } = await openPage(context, `${a.httpUrl}/admin`);
    await signIn(page, a.adminToken);

    // B's row: linked over TLS, its certificate's expiry shown as a warning.
    const rowB = page.locator(`#fixed-nodes tr[data-testid="node-127.0.0.1:${portB}"]`);
    await untilAttribute(rowB.locator('[data-testid="status"]'), 'data-state', 'connected');
    const note = rowB.locator('[data-testid="certificate"]');
    await note.waitFor({ state: 'visible' });
    expect(await note.getAttribute('data-warn')).toBe('true');
    expect(await text(note)).toMatch(/^Zertifikat läuft am .+ ab: bitte ersetzen$/);

    await page.getByRole('button', { name: 'Diagnose starten' }).click();
    const deadLine = page.locator(`[data-testid="diagnosis-line"][data-check="node-reachable"]`).filter({
      hasText: `127.0.0.1:${dead}`,
    });
    await deadLine.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await deadLine.getAttribute('data-status')).toBe('error');
    expect(await text(deadLine)).toContain(`127.0.0.1:${dead} lehnt die Verbindung ab: ECONNREFUSED`);
    expect(await text(deadLine.locator('.hint'))).toMatch(
      /^Unter Host und Port des anderen Knotens antwortet nichts/,
    );
    const peerCertificate = page.locator('[data-testid="diagnosis-line"][data-check="peer-certificate"]');
    expect(await peerCertificate.getAttribute('data-status')).toBe('warning');
    expect(await text(peerCertificate)).toMatch(
      /Zertifikat von 127\.0\.0\.1:\d+ läuft am .* ab, in (9|10) Tagen/,
    );
    await screenshot(page, 'diagnose-de');

    await page.locator('[data-language="en"]').click();
    expect(await text(deadLine)).toContain(`127.0.0.1:${dead} refuses the connection: ECONNREFUSED`);
    expect(await text(deadLine.locator('.hint'))).toMatch(/^nothing answers at the peer's host and port/);
    expect(await text(note)).toMatch(/^certificate expires .+: replace it$/);
    await screenshot(page, 'diagnose-en');
    expect(problems).toEqual([]);
  });
});
