import { PerformanceObserver } from 'node:perf_hooks';

/** Median, smallest and largest of a set of runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Distribution of round-trip times, in microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function summarizeLatencies(samplesUs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** CPU time this process used since `start`, as a share of one core over `wallMs`. */
export function cpuShare(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return wallMs > 0 ? (used.user + used.system) / 1000 / wallMs : Number.NaN;
}

/** Share of the time the event loop was busy since `start` (main thread only, 0–1). */
export function eventLoopBusy(start: EventLoopUtilization): number {
  return performance.eventLoopUtilization(start).utilization;
}

export type EventLoopUtilization = ReturnType<typeof performance.eventLoopUtilization>;

/** Adds up the garbage collector's pauses of this process while it runs. */
export class GcTimer {
  private total = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.total += entry.duration;
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Milliseconds of GC so far; stops observing. */
  stop(): number {
    for (const entry of this.observer.takeRecords()) this.total += entry.duration;
    this.observer.disconnect();
    return this.total;
  }
}

/** What this process spent from a meter's start to `stop()`. */
export interface ProcessCost {
  seconds: number;
  /** CPU time in cores (1 = one core busy). */
  cpu: number;
  /** Share of the time the event loop was busy (0–1). */
  eventLoop: number;
  /** Garbage collection pauses, in ms. */
  gcMs: number;
}

/** Measures wall time, CPU, event-loop use and GC of this process from its creation on. */
export class ProcessMeter {
  private readonly cpuStart = process.cpuUsage();
  private readonly loopStart = performance.eventLoopUtilization();
  private readonly gc = new GcTimer();
  private readonly start = performance.now();

  stop(): ProcessCost {
    const wallMs = performance.now() - this.start;
    return {
      seconds: wallMs / 1000,
      cpu: cpuShare(this.cpuStart, wallMs),
      eventLoop: eventLoopBusy(this.loopStart),
      gcMs: this.gc.stop(),
    };
  }
}
