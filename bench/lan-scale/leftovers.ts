import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LIMIT_MS = 10_000;

/**
 * Removes what an aborted earlier run of this suite left behind: its network namespaces named
 * `<prefix>-<pid>-…` whose orchestrator `<pid>` is gone, the node processes still inside them,
 * and its shared PostgreSQL (a postmaster whose data folder is a `lan-pg/cluster` of a scratch
 * folder other than `keepDir`). Returns what it removed, for the log.
 */
export async function removeLeftovers(prefix: string, keepDir: string): Promise<string[]> {
  const removed: string[] = [];
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: LIMIT_MS });
  const names = stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
  for (const name of names) {
    const owner = Number(/^[^-]+-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(owner) && alive(owner)) continue;
    const pids = (await run('ip', ['netns', 'pids', name], { timeout: LIMIT_MS })).stdout
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0);
    for (const pid of pids) kill(pid);
    await run('ip', ['netns', 'delete', name], { timeout: LIMIT_MS }).catch(() => undefined);
    removed.push(`${name}${pids.length > 0 ? ` (${pids.length} processes)` : ''}`);
  }
  for (const pid of postmasters(keepDir)) {
    kill(pid, 'SIGTERM');
    removed.push(`PostgreSQL ${pid}`);
  }
  return removed;
}

function postmasters(keepDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const ours =
          argv.some((arg) => arg.endsWith('/postgres')) &&
          argv.some((arg) => /\/lan-pg\/cluster$/.test(arg) && !arg.startsWith(keepDir));
        // Still served by a live orchestrator (another run now): not a leftover.
        return ours && !orchestrated(pid);
      } catch {
        return false; // gone while we looked
      }
    })
    .map(Number);
}

function orchestrated(pid: string): boolean {
  const parent = /^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  try {
    return readFileSync(`/proc/${parent}/cmdline`, 'utf8').includes('bench/run.js');
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
