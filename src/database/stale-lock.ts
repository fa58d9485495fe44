import { readFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SHUTDOWN_WAIT_MS = 30_000;
const POLL_MS = 100;

/**
 * Makes a cluster folder startable after its node was killed (SIGKILL, power loss).
 *
 * A killed node leaves `postmaster.pid` behind, and usually its postmaster too: PostgreSQL is a
 * child process that outlives its parent. That orphan is shut down (fast mode, WAL keeps every
 * commit); a lock whose PID is dead or now belongs to another program is removed, because
 * PostgreSQL refuses to start while that PID is alive.
 */
export async function clearStaleLock(clusterDir: string): Promise<void> {
  const lockFile = join(clusterDir, 'postmaster.pid');
  const pid = await readLockPid(lockFile);
  if (pid === undefined) return;
  if (await isPostmasterOf(pid, clusterDir)) {
    await stopProcess(pid);
  }
  await unlink(lockFile).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  });
}

async function readLockPid(lockFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(lockFile, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** True when `pid` is a running `postgres -D <clusterDir>`, not a stranger that reused the PID. */
async function isPostmasterOf(pid: number, clusterDir: string): Promise<boolean> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return argv.some((arg) => arg.endsWith('postgres')) && argv.includes(clusterDir);
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  signal(pid, 'SIGINT');
  for (let waited = 0; waited < SHUTDOWN_WAIT_MS; waited += POLL_MS) {
    if (!alive(pid)) return;
    await sleep(POLL_MS);
  }
  // A postmaster that ignores fast shutdown for this long is wedged; crash recovery replays WAL.
  signal(pid, 'SIGKILL');
  for (let waited = 0; waited < SHUTDOWN_WAIT_MS && alive(pid); waited += POLL_MS) {
    await sleep(POLL_MS);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** A zombie counts as gone: in a container nobody may ever reap the orphan. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
