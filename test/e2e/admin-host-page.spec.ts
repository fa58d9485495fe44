import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { browserSession, openPage, screenshot, signIn, untilAttribute } from '../helpers/browser.js';
import { startHostApp, type HostApp } from '../helpers/host-app.js';
import { TestDatabaseServer } from '../helpers/test-database.js';

const session = browserSession();
let database: TestDatabaseServer;
const hosts: HostApp[] = [];

beforeAll(async () => {
  database = await TestDatabaseServer.start();
});
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.app.close()));
  await database?.stop();
});

describe('the admin page of a host app under setGlobalPrefix("v1") and basePath "mesh"', () => {
  it('loads its script, signs in, adds a node and shows its link come up live', async () => {
    const routes = { basePath: 'mesh', health: false, metrics: false };
    const [a, b] = [await startHostApp(database, routes), await startHostApp(database, routes)];
    hosts.push(a, b);
    const context = await session.newContext({ viewport: { width: 1280, height: 900 } });
    const watched = await openPage(context, `${a.url}/v1/mesh/admin`);
    const { page } = watched;
    // The login form is shown by the script: it loaded from under the prefix.
    await page.locator('#login').waitFor({ state: 'visible' });
    await signIn(page, a.token);
    expect(await page.locator('#fixed-nodes').textContent()).toBe('No nodes in this group.');

    await page.locator('#add-host').fill('127.0.0.1');
    await page.locator('#add-port').fill(String(b.meshPort));
    await page.getByRole('button', { name: 'Add node' }).click();
    const rowB = page.locator(`#fixed-nodes tr[data-testid="node-127.0.0.1:${b.meshPort}"]`);
    await rowB.waitFor();
    // Connected arrives over the event stream (SSE) from under the prefix.
    await untilAttribute(rowB.locator('[data-testid="status"]'), 'data-state', 'connected');
    await screenshot(page, 'host-app-under-prefix');
    expect(watched.problems).toEqual([]);
  });
});
