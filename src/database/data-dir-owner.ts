import { readFile, writeFile } from 'node:fs/promises';

/** A process, told apart from a later one that reuses its PID by its start time. */
interface Owner {
  pid: number;
  startTime: string;
}

/**
 * Refuses a second node on one data directory: `<file>` names the running owner (PID and start
 * time). An owner that is gone — killed, crashed, rebooted — leaves a stale record, which is taken over.
 * @throws Error naming the running owner.
 */
export async function claimDataDir(file: string): Promise<void> {
  const recorded = await readOwner(file);
  if (recorded && recorded.pid !== process.pid && (await startTimeOf(recorded.pid)) === recorded.startTime) {
    throw new Error(`the data directory is in use by a running node (PID ${recorded.pid}); stop it first`);
  }
  const self: Owner = { pid: process.pid, startTime: (await startTimeOf(process.pid)) ?? '' };
  await writeFile(file, JSON.stringify(self), { mode: 0o600 });
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as Partial<Owner>;
    return typeof owner.pid === 'number' && typeof owner.startTime === 'string'
      ? (owner as Owner)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process started; undefined when
 * there is no such process — or only its zombie, which holds nothing (a container whose PID 1 does
 * not reap orphans keeps the zombies of killed nodes for good).
 */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const [state, , , , , , , , , , , , , , , , , , , startTime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ');
    return state === 'Z' || state === 'X' ? undefined : startTime;
  } catch {
    return undefined;
  }
}
