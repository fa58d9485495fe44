import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of running PostgreSQL server processes whose command line names `clusterDir`. */
export function postmastersOf(clusterDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
        return state !== 'Z' && argv.some((a) => a.endsWith('postgres')) && argv.includes(clusterDir);
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}
