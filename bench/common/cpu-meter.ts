import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** CPU used over a measurement, in cores (1 = one core busy all the time). */
export interface CpuLoad {
  /** Everything on the machine. */
  machine: number;
  /** The benchmark processes of the run. */
  own: number;
  /** Everything else: other programs competing for the cores (NaN off Linux). */
  others: number;
}

interface Snapshot {
  busy: number;
  total: number;
  own: number;
}

/**
 * Measures from /proc how busy the machine is during a run and how much of that is not the run's
 * own processes. The machine is shared (tests, builds), so a run is only as good as its quiet.
 */
export class CpuMeter {
  private constructor(
    private readonly pids: number[],
    private readonly trees: number[],
    private readonly start: Snapshot | undefined,
  ) {}

  /**
   * @param pids the run's processes.
   * @param trees further processes of the run counted with all their children, also those that
   *   start or end during the run (a PostgreSQL server and its sessions).
   */
  static start(pids: number[], trees: number[] = []): CpuMeter {
    return new CpuMeter(pids, trees, snapshot(pids, trees));
  }

  stop(): CpuLoad {
    const end = snapshot(this.pids, this.trees);
    if (!this.start || !end || end.total <= this.start.total) {
      return { machine: Number.NaN, own: Number.NaN, others: Number.NaN };
    }
    // Ticks of all cores over the interval, as ticks of one core.
    const wall = (end.total - this.start.total) / availableParallelism();
    const machine = (end.busy - this.start.busy) / wall;
    const own = (end.own - this.start.own) / wall;
    return { machine, own, others: Math.max(0, machine - own) };
  }
}

function snapshot(pids: number[], trees: number[]): Snapshot | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    let own = 0;
    for (const pid of pids) own += processTicks(pid);
    if (trees.length > 0) own += treeTicks(trees);
    return { busy, total: busy + (idle ?? 0) + (iowait ?? 0), own };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`): 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  return processTicks(pid) / TICKS_PER_SECOND;
}

/**
 * CPU seconds of processes and their children so far, also of children that already ended: a
 * PostgreSQL server with its sessions.
 */
export function treeCpuSeconds(roots: number[]): number {
  return treeTicks(roots) / TICKS_PER_SECOND;
}

/** utime + stime of a process (all its threads), 0 once it is gone. */
function processTicks(pid: number): number {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : 0;
}

/**
 * Ticks of the roots and their children: a root's own ticks and those of its children that ended
 * (cutime + cstime, added when it reaps them), plus those of its children still running.
 */
function treeTicks(roots: number[]): number {
  let ticks = 0;
  for (const root of roots) {
    const fields = statFields(root);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && roots.includes(Number(fields[1]))) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, …); undefined once gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Waits until other programs use at most `maxCores` over a 500 ms window, for at most `limitMs`;
 * returns what they used in the last window.
 */
export async function waitForQuiet(maxCores: number, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const meter = CpuMeter.start([process.pid]);
    await new Promise((done) => setTimeout(done, 500));
    const { others } = meter.stop();
    if (!(others > maxCores) || Date.now() >= deadline) return others;
  }
}
