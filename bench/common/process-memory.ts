import { readFileSync } from 'node:fs';

/** Resident memory of a process from /proc/<pid>/status, in bytes. */
export interface ProcessMemory {
  /** Resident now (VmRSS). */
  rss: number;
  /** Highest resident so far (VmHWM): the peak, also between two samples. */
  peak: number;
  /** The parts of `rss`: anonymous memory (RssAnon), and pages of mapped files, i.e. code (RssFile). */
  rssAnon: number;
  rssFile: number;
}

/** Undefined once the process is gone (or off Linux). */
export function processMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    rss: kib('VmRSS') * 1024,
    peak: kib('VmHWM') * 1024,
    rssAnon: kib('RssAnon') * 1024,
    rssFile: kib('RssFile') * 1024,
  };
}

export const MIB = 1024 * 1024;
