import { readFileSync } from 'node:fs';
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
    private readonly start: Snapshot | undefined,
  ) {}

  static start(pids: number[]): CpuMeter {
    return new CpuMeter(pids, snapshot(pids));
  }

  stop(): CpuLoad {
    const end = snapshot(this.pids);
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

function snapshot(pids: number[]): Snapshot | undefined {
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
    return { busy, total: busy + (idle ?? 0) + (iowait ?? 0), own };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (all its threads), 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
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
