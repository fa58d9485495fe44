import { describe, expect, it } from '@jest/globals';
import { createSelfSignedPair } from '../../src/mesh/tls/certificate-factory.js';
import { browserSession, screenshot, signIn, textOf, untilAttribute } from '../helpers/browser.js';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { writePem } from '../helpers/test-pki.js';

/** Loopback only, no LAN search. */
const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'page-diagnose', MESH_PASSWORD: 'page-diagnose-password' };

const session = browserSession();
const start = (env: Record<string, string>) => session.startNode({ ...MESH, ...env });

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
    const { page, problems } = await session.openAdmin(a, {
      locale: 'de-DE',
      viewport: { width: 1280, height: 1400 },
    });
    await signIn(page, a.adminToken);

    // B's row: linked over TLS, its certificate's expiry shown as a warning.
    const rowB = page.locator(`#fixed-nodes tr[data-testid="node-127.0.0.1:${portB}"]`);
    await untilAttribute(rowB.locator('[data-testid="status"]'), 'data-state', 'connected');
    const note = rowB.locator('[data-testid="certificate"]');
    await note.waitFor({ state: 'visible' });
    expect(await note.getAttribute('data-warn')).toBe('true');
    expect(await textOf(note)).toMatch(/^Zertifikat läuft am .+ ab: bitte ersetzen$/);

    await page.getByRole('button', { name: 'Diagnose starten' }).click();
    const deadLine = page.locator(`[data-testid="diagnosis-line"][data-check="node-reachable"]`).filter({
      hasText: `127.0.0.1:${dead}`,
    });
    await deadLine.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await deadLine.getAttribute('data-status')).toBe('error');
    expect(await textOf(deadLine)).toContain(`127.0.0.1:${dead} lehnt die Verbindung ab: ECONNREFUSED`);
    expect(await textOf(deadLine.locator('.hint'))).toMatch(
      /^Unter Host und Port des anderen Knotens antwortet nichts/,
    );
    const peerCertificate = page.locator('[data-testid="diagnosis-line"][data-check="peer-certificate"]');
    expect(await peerCertificate.getAttribute('data-status')).toBe('warning');
    expect(await textOf(peerCertificate)).toMatch(
      /Zertifikat von 127\.0\.0\.1:\d+ läuft am .* ab, in (9|10) Tagen/,
    );
    await screenshot(page, 'diagnose-de');

    await page.locator('[data-language="en"]').click();
    expect(await textOf(deadLine)).toContain(`127.0.0.1:${dead} refuses the connection: ECONNREFUSED`);
    expect(await textOf(deadLine.locator('.hint'))).toMatch(/^nothing answers at the peer's host and port/);
    expect(await textOf(note)).toMatch(/^certificate expires .+: replace it$/);
    await screenshot(page, 'diagnose-en');
    expect(problems).toEqual([]);
  });
});
