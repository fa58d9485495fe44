import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { join } from 'node:path';
import {
  ARTIFACTS,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
  untilAttribute,
} from '../helpers/browser.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { setConnect, startThree } from '../helpers/topology-nodes.js';

let browser: Browser;
const contexts: BrowserContext[] = [];
const running: NodeProcess[] = [];

beforeAll(async () => {
  if (!existsSync(LIBFAKETIME))
    throw new Error(
      `${LIBFAKETIME} is missing: install the Debian package faketime (apt-get install faketime)`,
    );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

/** Debian package `faketime`: shifts the wall clock of one node (and its PostgreSQL), not its timers. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const TEN_SECONDS_AHEAD = { LD_PRELOAD: LIBFAKETIME, FAKETIME: '+10s', FAKETIME_DONT_FAKE_MONOTONIC: '1' };

const pairId = (x: NodeProcess, y: NodeProcess) => [x.nodeId, y.nodeId].sort().join('-');

function text(locator: Locator): Promise<string> {
  return locator.textContent({ timeout: 1000 }).then((value) => (value ?? '').trim());
}

describe('the admin page draws the whole mesh', () => {
  it('on A of three: the B–C link goes from connected to missing when B unchecks C, then two islands when C is cut off — in German', async () => {
    // C's clock runs 10 s ahead (within the 30 s the mesh accepts): A's page points it out.
    const [a, b, c] = (await startThree('admin-page-topology', running, [{}, {}, TEN_SECONDS_AHEAD])) as [
      NodeProcess,
      NodeProcess,
      NodeProcess,
    ];
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 1000 } });
    contexts.push(context);
    const watched = await openPage(context, `${a.httpUrl}/admin`);
    const { page } = watched;
    await signIn(page, a.adminToken);
    const picture = page.locator('#picture');
    const bc = picture.locator(`line[data-testid="pair-${pairId(b, c)}"]`);

    // Every pair, not a star: the B–C link is drawn on A's page, green, from B's and C's tables.
    await untilAttribute(bc, 'class', 'link connected');
    await untilAttribute(picture, 'data-complete', 'true');
    expect(await picture.locator('line').count()).toBe(3);
    expect(await picture.locator('circle').count()).toBe(3);
    expect(await picture.locator('circle[data-apart]').count()).toBe(0);
    expect(await text(picture.locator('desc'))).toMatch(
      /^Dieser Knoten 127\.0\.0\.1 und 2 weitere Knoten: .*Jeder Knoten erreicht jeden anderen\. Alle Knoten sind paarweise verbunden\.$/,
    );
    // The hover text: state, round trip and transport of the link, in German.
    const connectedTitle = await text(bc.locator('title'));
    expect(connectedTitle).toMatch(/verbunden/);
    expect(connectedTitle).toMatch(/Umlaufzeit: [\d.]+ ms/);
    expect(connectedTitle).toMatch(/TLS/);
    const rowOfC = page.locator('#fixed-nodes tr', { hasText: c.nodeId });
    expect(await text(rowOfC.locator('[data-testid="clock-warning"]'))).toMatch(
      /^Zeitabweichung: Gegenstelle (9|10)\.\d s vor$/,
    );
    expect(await page.locator('[data-testid="clock-warning"]').count()).toBe(1);
    await screenshot(page, 'topology-1-complete');

    // B unchecks C: the B–C line turns grey and dashed, with both ends' views on hover.
    await setConnect(b, c, false);
    await untilAttribute(bc, 'data-state', 'disabled');
    await untilAttribute(picture, 'data-complete', 'false');
    expect(await bc.getAttribute('class')).toBe('link off');
    expect(await bc.evaluate((line) => getComputedStyle(line).strokeDasharray)).not.toBe('none');
    const missingTitle = await text(bc.locator('title'));
    expect(missingTitle).toMatch(/laut 127\.0\.0\.1:\d+:\n\s+ausgeschaltet/);
    expect(missingTitle).toMatch(/laut 127\.0\.0\.1:\d+:\n\s+Fehler: Auf dem anderen Knoten ausgeschaltet/);
    await untilAttribute(picture, 'data-islands', '1');
    await screenshot(page, 'topology-2-missing-link');

    // C unchecks A too: C is cut off, an island of its own, set apart.
    await setConnect(c, a, false);
    await untilAttribute(picture, 'data-islands', '2');
    const circleC = picture.locator(`circle[data-node-id="${c.nodeId}"]`);
    await untilAttribute(circleC, 'data-apart', '');
    expect(await picture.locator(`circle[data-node-id="${b.nodeId}"]`).getAttribute('data-apart')).toBeNull();
    expect(await text(picture.locator('desc'))).toMatch(/Inseln: 2\.$/);
    // The legend in German, and no English left in the picture's card.
    const card = await page.locator('section[aria-labelledby="picture-title"]').innerText();
    expect(card).toContain('keine Verbindung (gestrichelt)');
    expect(card).toContain('von diesem Knoten aus nicht erreichbar (eine andere Insel)');
    for (const english of ['this node', 'connected', 'no link', 'Islands'])
      expect(card).not.toContain(english);
    await screenshot(page, 'topology-3-islands');
    await picture.screenshot({ path: join(ARTIFACTS, 'topology-3-islands-picture.png') });
    expect(watched.problems).toEqual([]);
  });
});

/** The browser's own, for functions run in the page (the tests compile without the DOM library). */
declare function getComputedStyle(element: unknown): { strokeDasharray: string };
