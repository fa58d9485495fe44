import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * The kernel's neighbour tables (ARP, IPv6 neighbour discovery) are one per machine, shared by
 * every network namespace, with a hard limit of `gc_thresh3` entries (1024 by default). A LAN of
 * N namespaces on one bridge needs up to N × (N − 1) of them — 1,056 at 33 hosts — and once the
 * table is full the kernel stops resolving new neighbours ("neighbor table overflow!"): the last
 * hosts of a large test LAN never get an answer. A real LAN has a table per computer, so the
 * limits are raised while such a LAN exists and put back after the last one is gone.
 */
const LIMITS = ['ipv4', 'ipv6'].flatMap((family) =>
  (['gc_thresh2', 'gc_thresh3'] as const).map((name) => ({
    path: `/proc/sys/net/${family}/neigh/default/${name}`,
    // gc_thresh3 is the hard limit; gc_thresh2 the soft one, kept at half of it.
    factor: name === 'gc_thresh3' ? 2 : 1,
  })),
);
/** Room for the machine's own neighbours besides the test LANs'. */
const OWN_ENTRIES = 128;

let reserved = 0;
/** The values found before the first raise, and the ones written, by path. */
let raised: Map<string, { original: number; written: number }> | undefined;

/**
 * Makes room for `entries` more neighbour entries while the returned release has not run.
 * Changes nothing while the limits already leave room (every small LAN).
 */
export async function reserveNeighbours(entries: number): Promise<() => Promise<void>> {
  reserved += entries;
  const needed = reserved + OWN_ENTRIES;
  for (const { path, factor } of LIMITS) {
    const current = await readLimit(path);
    if (current === undefined || current >= needed * factor) continue;
    raised ??= new Map();
    const original = raised.get(path)?.original ?? current;
    raised.set(path, { original, written: needed * factor });
    await writeFile(path, String(needed * factor));
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    reserved -= entries;
    if (reserved > 0 || !raised) return;
    const restore = raised;
    raised = undefined;
    for (const [path, { original, written }] of restore) {
      // Another process may have changed it since: then it is theirs to put back.
      if ((await readLimit(path)) === written) await writeFile(path, String(original));
    }
  };
}

/** For an exit that cannot wait: puts back what this process raised, whoever still holds room. */
export function restoreNeighboursSync(): void {
  const restore = raised;
  raised = undefined;
  for (const [path, { original, written }] of restore ?? []) {
    try {
      if (Number(readFileSync(path, 'utf8').trim()) === written) writeFileSync(path, String(original));
    } catch {
      // best effort: the process is exiting
    }
  }
}

async function readLimit(path: string): Promise<number | undefined> {
  try {
    return Number((await readFile(path, 'utf8')).trim());
  } catch {
    return undefined; // no IPv6, or no such sysctl: nothing to raise
  }
}
