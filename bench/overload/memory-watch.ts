import type { BenchProcess } from '../common/bench-process.js';
import { MIB, processMemory } from '../common/process-memory.js';

const SAMPLE_MS = 100;

/**
 * Follows the peak resident size of a run's processes and kills any that grows past `hardCapBytes`:
 * the backstop behind the caps the processes check themselves, so that no run takes the machine
 * down.
 */
export class MemoryWatch {
  private readonly peak: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly processes: BenchProcess[],
    private readonly hardCapBytes: number,
    private readonly log: (line: string) => void,
  ) {
    this.peak = processes.map(() => 0);
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /** The peak (VmHWM) of each process so far, in the order given. */
  peaks(): number[] {
    this.sample();
    return [...this.peak];
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.processes.forEach((process, i) => {
      const memory = processMemory(process.pid);
      // Gone, or a zombie without memory figures.
      if (!memory || !Number.isFinite(memory.peak)) return;
      this.peak[i] = Math.max(this.peak[i] as number, memory.peak);
      if (memory.rss > this.hardCapBytes) {
        this.log(`${process.name}: ${Math.round(memory.rss / MIB)} MiB resident, past the hard cap: killed`);
        process.kill();
      }
    });
  }
}
