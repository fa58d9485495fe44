import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { NodeProcess, type SpawnOptions, tempDataDir } from './node-process.js';

/** Debian's chromium; the tests never download a browser. */
const CHROMIUM = '/usr/bin/chromium';
/** Bounded waits for what the page shows. */
export const SHOW_LIMIT_MS = 20_000;
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'admin-page');

/**
 * Headless chromium. With `netns` it runs inside that network namespace (through a small
 * `ip netns exec` launcher), so it reaches a node's admin page on that namespace's loopback.
 */
export async function launchBrowser(options: { netns?: string } = {}): Promise<Browser> {
  let executablePath = CHROMIUM;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  if (options.netns !== undefined) {
    const dir = await mkdtemp(join(process.env.UCMESH_TEST_ROOT ?? tmpdir(), 'browser-'));
    executablePath = join(dir, 'chromium-in-netns');
    await writeFile(
      executablePath,
      `#!/bin/sh\nexec ip netns exec "$UCMESH_BROWSER_NETNS" ${CHROMIUM} "$@"\n`,
    );
    await chmod(executablePath, 0o755);
    env.UCMESH_BROWSER_NETNS = options.netns;
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // Run as root, chromium refuses to start with its sandbox.
    args: ['--no-sandbox'],
    env,
    timeout: 60_000,
  });
}

/** How `BrowserSession.openAdmin` opens a node's admin page. */
export interface AdminPageOptions {
  /** The browser's language, e.g. `'de-DE'`; default: chromium's own (English). */
  locale?: string;
  /** Default 1280 × 900. */
  viewport?: { width: number; height: number };
  /** Console errors the scenario causes on purpose (see `openPage`). */
  expected?: RegExp[];
  /** The browser to open it in; default the session's own. */
  browser?: Browser;
}

/** What `browserSession` hands a spec file; everything a test opens or starts is closed after it. */
export interface BrowserSession {
  /** The file's headless chromium, launched before its first test: for tests and hooks only. */
  readonly browser: Browser;
  /** Node processes stopped after each test; helpers that start nodes themselves push onto it. */
  readonly running: NodeProcess[];
  /** Starts the built node (`dist/main.js`) with a fresh DATA_DIR unless `env` names one. */
  startNode(env: Record<string, string>, options?: SpawnOptions): Promise<NodeProcess>;
  /** A fresh context (its own session storage) of `on`, default the session's browser. */
  newContext(options?: BrowserContextOptions, on?: Browser): Promise<BrowserContext>;
  /** `node`'s admin page (not signed in) in a fresh context. */
  openAdmin(node: { httpUrl: string }, options?: AdminPageOptions): Promise<WatchedPage>;
  /** A further chromium, e.g. inside a network namespace (see `launchBrowser`). */
  launch(options: { netns?: string }): Promise<Browser>;
  /** Runs after each test once its nodes are stopped, e.g. to remove the network they ran in. */
  afterNodes(cleanup: () => Promise<void>): void;
}

/**
 * The browser scaffolding of one spec file: registers the jest hooks that launch chromium before
 * the first test and close it after the last, and after each test close its contexts and further
 * browsers first (no page sees its node go away), then stop its nodes, then run `afterNodes`.
 */
export function browserSession(): BrowserSession {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const browsers: Browser[] = [];
  const running: NodeProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
    await Promise.all(browsers.splice(0).map((other) => other.close().catch(() => undefined)));
    await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  const session: BrowserSession = {
    get browser(): Browser {
      if (browser === undefined) throw new Error('browserSession(): the browser is for tests and hooks only');
      return browser;
    },
    running,
    async startNode(env, options) {
      const node = await NodeProcess.start({ DATA_DIR: await tempDataDir(), ...env }, options);
      running.push(node);
      return node;
    },
    async newContext(options = {}, on = session.browser) {
      const context = await on.newContext(options);
      contexts.push(context);
      return context;
    },
    async openAdmin(node, { locale, viewport = { width: 1280, height: 900 }, expected, browser: on } = {}) {
      const context = await session.newContext(
        locale === undefined ? { viewport } : { locale, viewport },
        on,
      );
      return openPage(context, `${node.httpUrl}/admin`, expected);
    },
    async launch(options) {
      const other = await launchBrowser(options);
      browsers.push(other);
      return other;
    },
    afterNodes(cleanup) {
      cleanups.push(cleanup);
    },
  };
  return session;
}

/** A page that records console errors and uncaught exceptions, so a test can assert there were none. */
export interface WatchedPage {
  page: Page;
  /** Console errors and page errors seen so far, minus the expected ones. */
  problems: string[];
}

/**
 * Opens a page in `context`. `expected` lists console errors the scenario causes on purpose (the
 * browser logs every 4xx answer as "Failed to load resource").
 */
export async function openPage(
  context: BrowserContext,
  url: string,
  expected: RegExp[] = [],
): Promise<WatchedPage> {
  const page = await context.newPage();
  page.setDefaultTimeout(SHOW_LIMIT_MS);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!expected.some((pattern) => pattern.test(text))) problems.push(`console error: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  await page.goto(url);
  return { page, problems };
}

/** Signs in with the mouse-free minimum: types the token and presses Enter. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.locator('#token').fill(token);
  await page.locator('#token').press('Enter');
  await page.locator('#console').waitFor({ state: 'visible' });
}

/** Waits (bounded) until `read` answers `wanted`; fails naming what was seen last. */
export async function untilValue<T>(
  what: string,
  read: () => Promise<T>,
  wanted: T,
  limitMs = SHOW_LIMIT_MS,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  let last: T | undefined;
  let failure: unknown;
  for (;;) {
    try {
      last = await read();
      if (last === wanted) return;
    } catch (error: unknown) {
      failure = error;
    }
    if (Date.now() > deadline) {
      const detail =
        failure === undefined
          ? ''
          : ` (last error: ${failure instanceof Error ? failure.message : JSON.stringify(failure)})`;
      throw new Error(
        `${what}: wanted ${String(wanted)}, still ${String(last)} after ${limitMs} ms${detail}`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Waits (bounded) until the attribute `name` of `locator` is `value`. */
export function untilAttribute(
  locator: Locator,
  name: string,
  value: string,
  limitMs = SHOW_LIMIT_MS,
): Promise<void> {
  return untilValue(
    `${String(locator)} [${name}]`,
    () => locator.getAttribute(name, { timeout: 1000 }),
    value,
    limitMs,
  );
}

/** The terms and values of a `<dl>` as a record, e.g. `{ 'Node ID': '…' }`. */
export async function factsOf(list: Locator): Promise<Record<string, string>> {
  const terms = await list.locator('dt').allTextContents();
  const values = await list.locator('dd').allTextContents();
  return Object.fromEntries(terms.map((term, i) => [term, values[i] ?? '']));
}

/** The text of `locator`, trimmed ('' when it has none). */
export function textOf(locator: Locator): Promise<string> {
  return locator.textContent({ timeout: 1000 }).then((value) => (value ?? '').trim());
}

/**
 * Saves a screenshot as `test-artifacts/admin-page/<name>.png`: of a page the whole of it, of a
 * locator its element only.
 */
export async function screenshot(target: Page | Locator, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await ('goto' in target ? target.screenshot({ path, fullPage: true }) : target.screenshot({ path }));
}
