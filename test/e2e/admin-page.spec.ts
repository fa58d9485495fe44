import { describe, expect, it } from '@jest/globals';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  browserSession,
  factsOf,
  screenshot,
  signIn,
  textOf,
  untilAttribute,
  untilValue,
  type WatchedPage,
} from '../helpers/browser.js';
import { createLan } from '../helpers/netns-lan.js';
import { freePort, type NodeProcess } from '../helpers/node-process.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

/** Loopback only, no LAN search: the nodes never send anything off this machine. */
const MESH = {
  MESH_HOST: '127.0.0.1',
  MESH_DISCOVERY: 'false',
  MESH_ID: 'admin-page',
  MESH_PASSWORD: 'admin-page-password',
};
const PORT_ERROR = 'port must be an integer from 1 to 65535';
/** The browser logs every 4xx answer of the API as a console error; some scenarios cause them. */
const UNAUTHORIZED = /Failed to load resource: the server responded with a status of 401/;
const BAD_REQUEST = /Failed to load resource: the server responded with a status of 400/;

type Group = 'fixed' | 'discovered';
/** The browser's own, for functions run in the page (the tests compile without the DOM library). */
declare function getComputedStyle(element: unknown): { stroke: string };

const session = browserSession();
const start = (env: Record<string, string> = {}) => session.startNode({ ...MESH, ...env });

/** Two nodes on fixed ports, each listing the other: they link as soon as both run. */
async function startPair(): Promise<[NodeProcess, NodeProcess, number, number]> {
  const [portA, portB] = [await freePort(), await freePort()];
  const [a, b] = await Promise.all([
    start({ MESH_PORT: String(portA), MESH_PEERS: `127.0.0.1:${portB}` }),
    start({ MESH_PORT: String(portB), MESH_PEERS: `127.0.0.1:${portA}` }),
  ]);
  return [a, b, portA, portB];
}

/** The admin page of `node` in a fresh browser context (its own session storage). */
function open(node: NodeProcess, expected: RegExp[] = [], on?: Browser): Promise<WatchedPage> {
  return session.openAdmin(node, { expected, browser: on });
}

async function openSignedIn(node: NodeProcess, expected: RegExp[] = [], on?: Browser): Promise<WatchedPage> {
  const watched = await open(node, expected, on);
  await signIn(watched.page, node.adminToken);
  return watched;
}

async function meshPort(node: NodeProcess): Promise<number> {
  const answer = await node.api('/api/mesh', { token: node.adminToken });
  return (answer.body as { self: { port: number } }).self.port;
}

async function addByApi(node: NodeProcess, body: { host: string; port: number; connect?: boolean }) {
  const answer = await node.api('/api/mesh/nodes', { method: 'POST', body, token: node.adminToken });
  expect(answer.status).toBe(201);
  return answer.body as MeshNodeView;
}

async function listOf(node: NodeProcess): Promise<MeshNodeView[]> {
  return (await node.api('/api/mesh/nodes', { token: node.adminToken })).body as MeshNodeView[];
}

/** The row of the node at `address` in `group`'s table, or in either. */
function row(page: Page, address: string, group?: Group): Locator {
  const scope = group === undefined ? '#fixed-nodes, #discovered-nodes' : `#${group}-nodes`;
  return page.locator(scope).locator(`tr[data-testid="node-${address}"]`);
}

function statusOf(nodeRow: Locator): Locator {
  return nodeRow.locator('[data-testid="status"]');
}

function lineTo(page: Page, address: string): Locator {
  return page.locator(`#picture line[data-testid="link-${address}"]`);
}

function circleOf(page: Page, address: string): Locator {
  return page.locator(`#picture circle[data-testid="circle-${address}"]`);
}

/** Waits until the row's status shows `state` in `colour`. */
async function untilStatus(nodeRow: Locator, state: string, colour: string, limitMs?: number): Promise<void> {
  await untilAttribute(statusOf(nodeRow), 'data-state', state, limitMs);
  await untilAttribute(statusOf(nodeRow), 'data-colour', colour, limitMs);
}

/** The `id` of the focused element, '' when it has none. */
async function focusedId(page: Page): Promise<string> {
  return String(await page.evaluate('document.activeElement?.id ?? ""'));
}

function expectNoProblems(...pages: WatchedPage[]): void {
  expect(pages.flatMap((watched) => watched.problems)).toEqual([]);
}

describe('the admin page in a browser', () => {
  it('1. signs in: a wrong token shows an error, the right one shows this node and its license', async () => {
    const node = await start();
    const watched = await open(node, [UNAUTHORIZED]);
    const { page } = watched;
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.locator('#console').isHidden()).toBe(true);

    await page.locator('#token').press('Enter');
    await untilValue('empty token', () => textOf(page.locator('#login-error')), 'Type the admin token.');

    await page.locator('#token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await untilValue(
      'wrong token',
      () => textOf(page.locator('#login-error')),
      'The admin token was not accepted.',
    );
    expect(await page.locator('#console').isHidden()).toBe(true);
    await screenshot(page, '1-login-wrong-token');

    await signIn(page, node.adminToken);
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await textOf(page.locator('#title-host'))).toBe('— 127.0.0.1');
    expect(await factsOf(page.locator('#self'))).toEqual({
      'Computer name': '127.0.0.1',
      Port: String(await meshPort(node)),
      'Node ID': node.nodeId,
      Encryption: 'starttls-optional',
      // Alone in its mesh: its own version only, not mixed.
      Software: expect.stringMatching(/^uc-mesh\/\d+\.\d+\.\d+$/),
      Mesh: 'active',
    });
    expect(await textOf(page.locator('[data-testid="license-state"]'))).toBe('evaluation');
    expect(await textOf(page.locator('[data-testid="license-connections"]'))).toBe('0 used of 2 allowed');
    // No nodes yet: both groups say so.
    expect(await page.locator('#fixed-nodes').textContent()).toBe('No nodes in this group.');
    expect(await page.locator('#discovered-nodes').textContent()).toBe('No nodes in this group.');
    await screenshot(page, '1-login-console');
    expectNoProblems(watched);
  });

  it('2. shows a linked peer turn green live, in the list and in the picture', async () => {
    const a = await start();
    const portB = await freePort();
    const watched = await openSignedIn(a);
    const { page } = watched;
    let loads = 0;
    page.on('load', () => loads++);

    // A must know B to accept its link: added through the page's form.
    await page.locator('#add-host').fill('127.0.0.1');
    await page.locator('#add-port').fill(String(portB));
    await page.getByRole('button', { name: 'Add node' }).click();
    const b = `127.0.0.1:${portB}`;
    const rowB = row(page, b, 'fixed');
    await rowB.waitFor();
    // Nothing listens there yet: not green, in the list or in the picture.
    await lineTo(page, b).waitFor({ state: 'attached' });
    expect(await statusOf(rowB).getAttribute('data-colour')).not.toBe('connected');
    expect(await lineTo(page, b).getAttribute('class')).not.toBe('link connected');
    await screenshot(page, '2-peer-not-running');

    const nodeB = await start({ MESH_PORT: String(portB), MESH_PEERS: `127.0.0.1:${await meshPort(a)}` });
    await untilStatus(rowB, 'connected', 'connected');
    expect(await rowB.locator('[data-role="connect"]').isChecked()).toBe(true);
    expect(await rowB.textContent()).toContain(nodeB.nodeId);
    await untilAttribute(lineTo(page, b), 'class', 'link connected');
    await untilAttribute(circleOf(page, b), 'class', 'connected');
    await untilValue(
      'connections used',
      () => textOf(page.locator('[data-testid="license-connections"]')),
      '1 used of 2 allowed',
    );
    expect(loads).toBe(0);
    await screenshot(page, '2-peer-connected');

    // Details: what A knows of the link, in a dialog that Escape closes.
    await rowB.getByRole('button', { name: 'Details' }).click();
    const details = page.getByRole('dialog');
    await details.waitFor();
    expect(await textOf(details.locator('#details-title'))).toBe(b);
    expect(await factsOf(details.locator('#details-facts'))).toMatchObject({
      Address: b,
      'Node ID': nodeB.nodeId,
      Group: 'fixed',
      State: 'connected',
      Transport: 'TLS',
      'Password proved': 'the current one',
    });
    // "When did it drop, and why?": newest first, the link up after the dials while B was down.
    const history = details.locator('[data-testid="history"] li');
    await history.first().waitFor();
    expect(await history.first().getAttribute('data-state')).toBe('connected');
    expect(await details.locator('[data-testid="history"] li[data-state="error"]').count()).toBeGreaterThan(
      0,
    );
    await screenshot(page, '2-details');
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'hidden' });
    expectNoProblems(watched);
  });

  it('3. unchecking a linked node turns it grey on both nodes, the other one saying why (disabled-remote)', async () => {
    const [a, b, portA, portB] = await startPair();
    const [onA, onB] = await Promise.all([openSignedIn(a), openSignedIn(b)]);
    const rowBonA = row(onA.page, `127.0.0.1:${portB}`, 'fixed');
    const rowAonB = row(onB.page, `127.0.0.1:${portA}`, 'fixed');
    await untilStatus(rowBonA, 'connected', 'connected');
    await untilStatus(rowAonB, 'connected', 'connected');

    await rowBonA.getByRole('checkbox', { name: `Connect 127.0.0.1:${portB}` }).uncheck();
    await untilStatus(rowBonA, 'disabled', 'off');
    expect(await rowBonA.locator('[data-role="connect"]').isChecked()).toBe(false);
    await untilAttribute(lineTo(onA.page, `127.0.0.1:${portB}`), 'class', 'link off');
    await untilValue(
      'connections used on A',
      () => textOf(onA.page.locator('[data-testid="license-connections"]')),
      '0 used of 2 allowed',
    );

    // On B: A switched the link off on purpose — grey, not an error colour, with the reason.
    await untilStatus(rowAonB, 'error', 'off');
    // The reason's label for the administrator, its code beside it for the logs and the API.
    expect(await textOf(statusOf(rowAonB).locator('.reason'))).toBe('Switched off on the other node');
    expect(await statusOf(rowAonB).locator('.reason').getAttribute('data-reason')).toBe('disabled-remote');
    // …and what to do about it, beside the reason (LINK_HINTS['disabled-remote']).
    expect(await textOf(statusOf(rowAonB).locator('[data-testid="hint"]'))).toMatch(
      /check it again in the peer's node list/,
    );
    expect(await rowAonB.locator('[data-role="connect"]').isChecked()).toBe(true);
    await untilAttribute(lineTo(onB.page, `127.0.0.1:${portA}`), 'class', 'link off');
    await screenshot(onA.page, '3-unchecked-on-a');
    await screenshot(onB.page, '3-refused-on-b');

    // Checked again, both turn green again.
    await rowBonA.locator('[data-role="connect"]').check();
    await untilStatus(rowBonA, 'connected', 'connected');
    await untilStatus(rowAonB, 'connected', 'connected');
    expectNoProblems(onA, onB);
  });

  it('4. pins an automatically found node with the keyboard: it moves to the fixed nodes', async () => {
    // Only a node whose search is on accepts a node it does not know (and lists it as found):
    // that runs in a LAN of network namespaces, where its multicast stays.
    const lan = await createLan(2, { name: 'ucpage' });
    // After the nodes: a namespace deleted under a running node would live on with it.
    session.afterNodes(() => lan.destroy());
    const [h1, h2] = lan.hosts;
    if (!h1 || !h2) throw new Error('the LAN lacks hosts');
    const inNamespace = async (namespace: string, env: Record<string, string>) => {
      return session.startNode(
        { ...MESH, MESH_BIND: '0.0.0.0', MESH_PORT: '7222', ...env },
        { netns: namespace },
      );
    };
    const [a, b] = await Promise.all([
      inNamespace(h1.namespace, {
        MESH_HOST: h1.address,
        MESH_DISCOVERY: 'true',
        MESH_DISCOVERY_INTERFACE: h1.address,
      }),
      // B knows A; A does not know B.
      inNamespace(h2.namespace, { MESH_HOST: h2.address, MESH_PEERS: `${h1.address}:7222` }),
    ]);
    // A's admin page listens on A's namespace's loopback: this browser runs there too.
    const inside = await session.launch({ netns: h1.namespace });
    const watched = await openSignedIn(a, [], inside);
    const { page } = watched;

    const address = `${h2.address}:7222`;
    const found = row(page, address, 'discovered');
    await found.waitFor();
    await untilStatus(found, 'connected', 'connected');
    expect(await found.textContent()).toContain(b.nodeId);
    expect(await page.locator('#fixed-nodes').textContent()).toBe('No nodes in this group.');
    await screenshot(page, '4-found-automatically');

    // Keyboard only: the ⋯ button, Enter opens the menu on its first item.
    await found.locator('[data-role="menu"]').focus();
    await page.keyboard.press('Enter');
    const menu = page.locator('#node-menu');
    await menu.waitFor({ state: 'visible' });
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual([
      'Configure this node permanently',
      'Details',
    ]);
    const focusedItem = menu.locator('[role="menuitem"]:focus');
    expect(await textOf(focusedItem)).toBe('Configure this node permanently');
    await page.keyboard.press('ArrowDown');
    expect(await textOf(focusedItem)).toBe('Details');
    await page.keyboard.press('ArrowDown');
    expect(await textOf(focusedItem)).toBe('Configure this node permanently');
    await screenshot(page, '4-menu');
    await page.keyboard.press('Enter');

    const pinned = row(page, address, 'fixed');
    await pinned.waitFor();
    await menu.waitFor({ state: 'hidden' });
    expect(await row(page, address, 'discovered').count()).toBe(0);
    expect(await page.locator('#discovered-nodes').textContent()).toBe('No nodes in this group.');
    await untilStatus(pinned, 'connected', 'connected');
    // The keyboard user is back on the ⋯ button, in the row's new place.
    await untilValue('focus on the moved row', () => pinned.locator('[data-role="menu"]:focus').count(), 1);
    expect(await listOf(a)).toEqual([
      expect.objectContaining({ nodeId: b.nodeId, host: h2.address, port: 7222, group: 'fixed' }),
    ]);
    await screenshot(page, '4-pinned');
    expectNoProblems(watched);
  });

  it('5. the add form refuses a bad port, adds a good node, and "Remove" removes it', async () => {
    const node = await start();
    const watched = await openSignedIn(node, [BAD_REQUEST]);
    const { page } = watched;
    const [host, port, add, error] = [
      page.locator('#add-host'),
      page.locator('#add-port'),
      page.getByRole('button', { name: 'Add node' }),
      page.locator('#add-error'),
    ];

    // Checked on the page, before any request: alternated with a host only the API refuses, so
    // each message is the answer to its own try.
    let posts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/mesh/nodes')) posts++;
    });
    for (const bad of ['70000', 'abc', '0', '']) {
      await host.fill('127.0.0.1');
      await port.fill(bad);
      await add.click();
      await untilValue(`port "${bad}"`, () => textOf(error), PORT_ERROR);
      expect(await port.getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe('add-port');
      if (bad === '70000') await screenshot(page, '5-bad-port');

      await host.fill('two words');
      await port.fill('7222');
      await add.click();
      await untilValue(
        'a host the API refuses',
        () => textOf(error),
        'host must be a computer name or an IP address of 1 to 253 characters',
      );
      expect(await host.getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe('add-host');
    }
    expect(posts).toBe(4);
    expect(await page.locator('#fixed-nodes').textContent()).toBe('No nodes in this group.');

    const deadPort = await freePort();
    const address = `127.0.0.1:${deadPort}`;
    await host.fill('127.0.0.1');
    await port.fill(String(deadPort));
    await add.click();
    const added = row(page, address, 'fixed');
    await added.waitFor();
    expect(await textOf(error)).toBe('');
    expect(await host.inputValue()).toBe('');
    expect(await port.getAttribute('aria-invalid')).toBeNull();
    expect(await host.getAttribute('aria-invalid')).toBeNull();
    expect(await listOf(node)).toEqual([
      expect.objectContaining({ host: '127.0.0.1', port: deadPort, group: 'fixed', connect: true }),
    ]);
    await screenshot(page, '5-added');

    const dialogs: string[] = [];
    const removeThrough = async (answer: 'accept' | 'dismiss') => {
      page.once('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void (answer === 'accept' ? dialog.accept() : dialog.dismiss());
      });
      await added.getByRole('button', { name: `Actions for ${address}` }).click();
      const menu = page.locator('#node-menu');
      expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Remove', 'Details']);
      await menu.getByRole('menuitem', { name: 'Remove' }).click();
    };
    await removeThrough('dismiss');
    await untilValue('dialog shown', () => Promise.resolve(dialogs.length), 1);
    expect(await added.count()).toBe(1);
    await removeThrough('accept');
    await added.waitFor({ state: 'detached' });
    expect(dialogs).toEqual([
      `confirm: Remove ${address} from the fixed nodes?`,
      `confirm: Remove ${address} from the fixed nodes?`,
    ]);
    expect(await listOf(node)).toEqual([]);
    expect(await page.locator('#fixed-nodes').textContent()).toBe('No nodes in this group.');
    await screenshot(page, '5-removed');
    expectNoProblems(watched);
  });

  // The answer to "Add node" may arrive after the live status that followed it; the page keeps the
  // newer one. The answer is held back here so the events always come first.
  it('5b. a node added through the form keeps the live status that came before the answer', async () => {
    const node = await start();
    const watched = await openSignedIn(node);
    const { page } = watched;
    await page.route('**/api/mesh/nodes', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      await new Promise((done) => setTimeout(done, 500));
      await route.fulfill({ response });
    });
    const port = await freePort();
    await page.locator('#add-host').fill('127.0.0.1');
    await page.locator('#add-port').fill(String(port));
    await page.getByRole('button', { name: 'Add node' }).click();
    // The form is cleared once the answer is handled.
    await untilValue('answer handled', () => page.locator('#add-host').inputValue(), '');
    const added = row(page, `127.0.0.1:${port}`, 'fixed');
    await untilStatus(added, 'error', 'error', 5000);
    expectNoProblems(watched);
  });

  it('6. the mesh picture shows this node, one circle per node and lines coloured by status', async () => {
    const [a, , , portB] = await startPair();
    const [dead, off1, off2] = [await freePort(), await freePort(), await freePort()];
    await addByApi(a, { host: '127.0.0.1', port: dead });
    await addByApi(a, { host: '127.0.0.1', port: off1, connect: false });
    await addByApi(a, { host: 'uc-elsewhere', port: off2, connect: false });
    const watched = await openSignedIn(a);
    const { page } = watched;

    const expected: Array<[string, string]> = [
      [`127.0.0.1:${portB}`, 'connected'],
      [`127.0.0.1:${dead}`, 'error'],
      [`127.0.0.1:${off1}`, 'off'],
      [`uc-elsewhere:${off2}`, 'off'],
    ];
    for (const [address, colour] of expected) {
      await untilAttribute(lineTo(page, address), 'class', `link ${colour}`);
      await untilAttribute(circleOf(page, address), 'class', colour);
      expect(await statusOf(row(page, address, 'fixed')).getAttribute('data-colour')).toBe(colour);
    }
    const picture = page.locator('#picture');
    expect(await picture.locator('circle').count()).toBe(expected.length + 1);
    expect(await picture.locator('circle.self').count()).toBe(1);
    expect(await picture.locator('line').count()).toBe(expected.length);
    expect((await picture.locator('text').allTextContents()).sort()).toEqual(
      ['this node', ...expected.map(([address]) => address)].sort(),
    );
    expect(await textOf(picture.locator('desc'))).toMatch(/^This node 127\.0\.0\.1 and 4 other nodes: /);
    // Drawn colours, not just class names: green, yellow, grey.
    const strokes = await Promise.all(
      expected.map(async ([address]) =>
        lineTo(page, address).evaluate((line) => getComputedStyle(line).stroke),
      ),
    );
    expect(strokes).toEqual([
      'rgb(47, 133, 90)',
      'rgb(214, 158, 46)',
      'rgb(160, 174, 192)',
      'rgb(160, 174, 192)',
    ]);
    await screenshot(page, '6-picture');
    await screenshot(picture, '6-picture-only');
    expectNoProblems(watched);
  });

  it('6b. the status dots are round, the yellow ones too', async () => {
    const node = await start();
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // Nothing listens there: yellow.
    await addByApi(node, { host: '127.0.0.1', port });
    const watched = await openSignedIn(node);
    const { page } = watched;
    await untilStatus(row(page, address, 'fixed'), 'error', 'error');
    const oval: string[] = [];
    for (const dot of await page.locator('.dot').all()) {
      const box = await dot.boundingBox();
      if (!box || Math.abs(box.width - box.height) > 0.5)
        oval.push(`${await dot.getAttribute('class')}: ${box?.width} × ${box?.height}`);
    }
    expect(oval).toEqual([]);
    expectNoProblems(watched);
  });

  it('6c. the labels of the picture cover no circle and no other label', async () => {
    const node = await start();
    for (let i = 0; i < 4; i++)
      await addByApi(node, { host: '127.0.0.1', port: await freePort(), connect: false });
    const watched = await openSignedIn(node);
    const { page } = watched;
    const picture = page.locator('#picture');
    await untilValue('circles', () => picture.locator('circle').count(), 5);
    const boxes = async (selector: string) =>
      Promise.all(
        (await picture.locator(selector).all()).map(async (element) => ({
          what:
            (await element.textContent()) ||
            ((await element.getAttribute('data-testid')) ?? 'the circle of this node'),
          box: await element.boundingBox(),
        })),
      );
    const labels = await boxes('text');
    const shapes = [...labels, ...(await boxes('circle'))];
    const overlaps: string[] = [];
    for (const label of labels) {
      for (const other of shapes) {
        if (other === label || !label.box || !other.box) continue;
        const [a, b] = [label.box, other.box];
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        if (!apart) overlaps.push(`${label.what} covers ${other.what}`);
      }
    }
    expect(overlaps).toEqual([]);
    expectNoProblems(watched);
  });

  it('7. the sign-in and the add form work with the keyboard alone', async () => {
    const node = await start();
    const watched = await open(node, [UNAUTHORIZED]);
    const { page } = watched;
    const keys = page.keyboard;
    await page.locator('#login').waitFor({ state: 'visible' });
    /** Presses Tab until the element with `id` has the focus, at most `limit` times. */
    const tabTo = async (id: string, limit = 40): Promise<void> => {
      for (let presses = 0; (await focusedId(page)) !== id; presses++) {
        if (presses === limit) throw new Error(`#${id} not reached with ${limit} presses of Tab`);
        await keys.press('Tab');
      }
    };

    await tabTo('token');
    await keys.type('wrong-token-of-some-length');
    await keys.press('Enter');
    await untilValue(
      'wrong token',
      () => textOf(page.locator('#login-error')),
      'The admin token was not accepted.',
    );
    // The field keeps the focus for another try.
    expect(await focusedId(page)).toBe('token');
    await keys.press('Control+A');
    await keys.type(node.adminToken);
    await keys.press('Enter');
    await page.locator('#console').waitFor({ state: 'visible' });

    await tabTo('add-host');
    await keys.type('127.0.0.1');
    await keys.press('Tab');
    expect(await focusedId(page)).toBe('add-port');
    await keys.press('Control+A');
    await keys.type('99999');
    await keys.press('Enter');
    await untilValue('bad port', () => textOf(page.locator('#add-error')), PORT_ERROR);
    expect(await focusedId(page)).toBe('add-port');

    const port = await freePort();
    await keys.press('Control+A');
    await keys.type(String(port));
    await keys.press('Tab');
    // The "Connect" checkbox: off, so the node is added unchecked.
    expect(await page.locator('#add-form input[name="connect"]:focus').count()).toBe(1);
    await keys.press('Space');
    await keys.press('Tab');
    // The "Require TLS" checkbox: on, so the node is added requiring TLS.
    expect(await page.locator('#add-form input[name="requireTls"]:focus').count()).toBe(1);
    await keys.press('Space');
    await keys.press('Tab');
    expect(await page.locator('#add-form button[type="submit"]:focus').count()).toBe(1);
    await keys.press('Enter');
    const added = row(page, `127.0.0.1:${port}`, 'fixed');
    await added.waitFor();
    await untilStatus(added, 'disabled', 'off');
    expect(await added.locator('[data-role="connect"]').isChecked()).toBe(false);
    expect(await added.locator('[data-role="require-tls"]').isChecked()).toBe(true);
    expect(await textOf(page.locator('#add-error'))).toBe('');
    await screenshot(page, '7-keyboard-added');
    expectNoProblems(watched);
  });
});
