import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import {
  browserSession,
  factsOf,
  screenshot,
  signIn,
  textOf,
  untilAttribute,
  untilValue,
} from '../helpers/browser.js';
import { freePort, type NodeProcess } from '../helpers/node-process.js';

/** Loopback only, no LAN search: the node never sends anything off this machine. */
const MESH = {
  MESH_HOST: '127.0.0.1',
  MESH_DISCOVERY: 'false',
  MESH_ID: 'admin-page-i18n',
  MESH_PASSWORD: 'admin-page-i18n-password',
};

const session = browserSession();

/**
 * A node whose one fixed node is a port nobody listens on: its row shows an error with the
 * reason `unreachable`, a reason label to read in either language.
 */
async function startWithDeadPeer(): Promise<{ node: NodeProcess; dead: string }> {
  const dead = `127.0.0.1:${await freePort()}`;
  const node = await session.startNode({ ...MESH, MESH_PEERS: dead });
  return { node, dead };
}

const lang = (page: Page) => page.locator('html').getAttribute('lang');
const reasonOf = (page: Page, address: string) =>
  page.locator(`#fixed-nodes tr[data-testid="node-${address}"] [data-testid="status"] .reason`);

describe('the admin page in German and English', () => {
  it('follows a German browser, switches to English and keeps that choice across a reload', async () => {
    const { node, dead } = await startWithDeadPeer();
    const watched = await session.openAdmin(node, { locale: 'de-DE' });
    const { page } = watched;

    // German before signing in already: the token prompt.
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await lang(page)).toBe('de');
    expect(await textOf(page.locator('#login-title'))).toBe('Anmelden');
    expect(await textOf(page.locator('label[for="token"]'))).toBe('Admin-Token');
    expect(await page.title()).toBe('UC Mesh — Administration');
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
    expect(await textOf(page.locator('#login-error'))).toBe('Bitte geben Sie das Admin-Token ein.');
    await signIn(page, node.adminToken);

    expect(await textOf(page.locator('#nodes-title'))).toBe('Mesh-Knoten');
    expect(await textOf(page.locator('#fixed-title'))).toBe('Fest konfigurierte Knoten');
    expect(await textOf(page.locator('#discovered-title'))).toBe('Automatisch gefundene Knoten');
    expect(await textOf(page.locator('#discovered-nodes'))).toBe('Keine Knoten in dieser Gruppe.');
    expect(await textOf(page.locator('label[for="password"]'))).toBe('Kennwort');
    expect(await textOf(page.locator('label[for="mesh-id"]'))).toBe('Mesh-ID');
    expect(await factsOf(page.locator('#self'))).toMatchObject({
      Computername: '127.0.0.1',
      'Knoten-ID': expect.any(String),
      Verschlüsselung: 'STARTTLS optional',
      Mesh: 'aktiv',
    });
    expect(await textOf(page.locator('[data-testid="license-state"]'))).toBe('Testlizenz');
    expect(await textOf(page.locator('[data-testid="license-connections"]'))).toBe(
      '0 von 2 erlaubten belegt',
    );
    expect(await page.locator('[data-language="de"]').getAttribute('aria-pressed')).toBe('true');

    // The dead peer's reason: the German label, the code kept beside it and in the tooltip.
    const reason = reasonOf(page, dead);
    await untilAttribute(reason, 'data-reason', 'unreachable');
    expect(await textOf(reason)).toBe('Nicht erreichbar');
    const status = page.locator(`#fixed-nodes tr[data-testid="node-${dead}"] [data-testid="status"]`);
    expect(await status.getAttribute('title')).toContain('Grund: Nicht erreichbar (unreachable)');
    // …and what to do about it, in German too.
    expect(await textOf(status.locator('[data-testid="hint"]'))).toMatch(
      /^Unter Host und Port des anderen Knotens/,
    );

    // The ⋯ menu and the form's own checks speak German too.
    await page.getByRole('button', { name: `Aktionen für ${dead}` }).click();
    expect(await page.locator('#node-menu').getByRole('menuitem').allTextContents()).toEqual([
      'Entfernen',
      'Details',
    ]);
    await page.keyboard.press('Escape');
    await page.locator('#node-menu').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Details', exact: true }).click();
    const details = page.getByRole('dialog');
    await details.waitFor();
    expect(await factsOf(details.locator('#details-facts'))).toMatchObject({
      Adresse: dead,
      Gruppe: 'fest konfiguriert',
      Grund: 'Nicht erreichbar (unreachable)',
    });
    await details.getByRole('button', { name: 'Schließen' }).click();
    await details.waitFor({ state: 'hidden' });
    await page.locator('#add-host').fill('127.0.0.1');
    await page.locator('#add-port').fill('70000');
    await page.getByRole('button', { name: 'Knoten hinzufügen' }).click();
    expect(await textOf(page.locator('#add-error'))).toBe(
      'Der Port muss eine ganze Zahl von 1 bis 65535 sein.',
    );
    // No English left on the page (the node's own data aside).
    const body = await page.locator('body').innerText();
    for (const english of ['Fixed nodes', 'Sign out', 'Mesh settings', 'License', 'Not reachable', 'Connect'])
      expect(body).not.toContain(english);
    await screenshot(page, 'i18n-de');

    // EN: everything switches at once, the message shown included, and stays after a reload.
    await page.locator('[data-language="en"]').click();
    expect(await lang(page)).toBe('en');
    expect(await textOf(page.locator('#fixed-title'))).toBe('Fixed nodes');
    expect(await textOf(page.locator('#discovered-title'))).toBe('Automatically found nodes');
    expect(await textOf(reasonOf(page, dead))).toBe('Not reachable');
    expect(
      await textOf(page.locator(`#fixed-nodes tr[data-testid="node-${dead}"] [data-testid="hint"]`)),
    ).toMatch(/^nothing answers at the peer's host and port/);
    expect(await textOf(page.locator('#add-error'))).toBe('port must be an integer from 1 to 65535');
    expect(await textOf(page.locator('[data-testid="license-state"]'))).toBe('evaluation');
    expect(await page.locator('[data-language="en"]').getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'i18n-en');

    await page.reload();
    // The token is kept for the tab: the page signs in again by itself, in English.
    await page.locator('#console').waitFor({ state: 'visible' });
    expect(await lang(page)).toBe('en');
    expect(await textOf(page.locator('#fixed-title'))).toBe('Fixed nodes');
    await untilValue('reason after reload', () => textOf(reasonOf(page, dead)), 'Not reachable');

    // And back to German, also remembered.
    await page.locator('[data-language="de"]').click();
    await page.reload();
    await page.locator('#console').waitFor({ state: 'visible' });
    expect(await lang(page)).toBe('de');
    await untilValue('reason in German again', () => textOf(reasonOf(page, dead)), 'Nicht erreichbar');
    expect(watched.problems).toEqual([]);
  });

  it('starts in English in an English browser', async () => {
    const { node, dead } = await startWithDeadPeer();
    const watched = await session.openAdmin(node, { locale: 'en-US' });
    const { page } = watched;
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await lang(page)).toBe('en');
    expect(await textOf(page.locator('#login-title'))).toBe('Sign in');
    await signIn(page, node.adminToken);
    expect(await textOf(page.locator('#fixed-title'))).toBe('Fixed nodes');
    expect(await textOf(page.locator('#discovered-title'))).toBe('Automatically found nodes');
    await untilAttribute(reasonOf(page, dead), 'data-reason', 'unreachable');
    expect(await textOf(reasonOf(page, dead))).toBe('Not reachable');
    expect(await page.locator('[data-language="en"]').getAttribute('aria-pressed')).toBe('true');
    expect(watched.problems).toEqual([]);
  });
});
