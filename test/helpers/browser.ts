import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

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

/** Saves a full-page screenshot as `test-artifacts/admin-page/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
