import { setTimeout as sleep } from 'node:timers/promises';

/** Long enough for a node to notice a lost peer, dial it again and catch up. */
export const UNTIL_LIMIT_MS = 45_000;

/**
 * Polls `probe` every 100 ms until it returns something; fails after `limitMs` with the last
 * error, so a probe may throw while the state it waits for is still on its way.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  limitMs = UNTIL_LIMIT_MS,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    const value = await probe().catch((error: unknown) => ((last = error), undefined));
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms (${String(last)})`);
    await sleep(100);
  }
}
