import { readdir, readFile } from 'node:fs/promises';

/** One look at a process: resident memory and open file descriptors. */
export interface Usage {
  rssBytes: number;
  fds: number;
}

/** Reads VmRSS from /proc/<pid>/status and counts /proc/<pid>/fd. */
export async function processUsage(pid: number): Promise<Usage> {
  const [status, fds] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readdir(`/proc/${pid}/fd`),
  ]);
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (rss === undefined) throw new Error(`/proc/${pid}/status has no VmRSS:\n${status}`);
  return { rssBytes: Number(rss) * 1024, fds: fds.length };
}

function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The trend of a series after its warm-up: the median of the first and of the last third of what
 * follows the first `warmUp` samples (medians, so one GC's sawtooth peak does not count).
 */
export function trend(values: number[], warmUp: number): { first: number; last: number } {
  const steady = values.slice(warmUp);
  const third = Math.floor(steady.length / 3);
  if (third < 3) throw new Error(`${steady.length} samples after warm-up are too few for a trend`);
  return { first: median(steady.slice(0, third)), last: median(steady.slice(-third)) };
}
