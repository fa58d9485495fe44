import { fileURLToPath } from 'node:url';
import { BenchProcess } from './bench-process.js';
import { type CpuLoad, waitForQuiet } from './cpu-meter.js';
import { median } from './stats.js';
import { formatFixed } from './table.js';

/** One measurement and how busy the machine was meanwhile. */
export interface Measured {
  load: CpuLoad;
  /** Other programs used more than `maxOtherLoad` in every attempt; this was the quietest. */
  noisy?: boolean;
}

/** Where a measurement's runs and failures go. */
export interface MeasuredScenario<Run> {
  runs: Run[];
  failures: string[];
  /** Attempts thrown away because other programs were busy. */
  repeated: number;
}

/** No more waiting for quiet or repeating of noisy runs once a suite has run this long. */
export const REPEAT_BUDGET_MS = 180_000;
/** Time a benchmark process gets on top of its measured part: Nest, TypeORM, TLS certificate, linking. */
export const STARTUP_ALLOWANCE_MS = 60_000;

/** The compiled worker script `file` beside the suite module at `suiteUrl` (its `import.meta.url`). */
export function workerScript(suiteUrl: string, file: string): string {
  return fileURLToPath(new URL(`./${file}`, suiteUrl));
}

/** Attempts of one run while other programs keep the machine busy. */
const ATTEMPTS = 3;
/** Longest wait for other programs to calm down before one attempt. */
const QUIET_WAIT_MS = 15_000;

/**
 * Runs one measurement into `scenario`. Before each attempt it waits (bounded) for other programs
 * to use at most `maxOtherLoad` cores, and an attempt during which they used more is repeated
 * (bounded, until `repeatUntil`), keeping the quietest. A failed run is recorded, not retried.
 */
export async function measure<Run extends Measured>(
  label: string,
  scenario: MeasuredScenario<Run>,
  attempt: () => Promise<Run>,
  describeRun: (run: Run) => string,
  repeatUntil: number,
  options: { maxOtherLoad: number; log(line: string): void },
): Promise<void> {
  let quietest: Run | undefined;
  for (let i = 1; i <= ATTEMPTS; i++) {
    const waitMs = Math.min(QUIET_WAIT_MS, repeatUntil - Date.now());
    if (waitMs > 0) {
      const started = Date.now();
      const others = await waitForQuiet(options.maxOtherLoad, waitMs);
      if (Date.now() - started > 1000) {
        const waited = formatFixed((Date.now() - started) / 1000);
        options.log(`${label}: waited ${waited} s for other programs (now ${formatFixed(others, 2)} cores)`);
      }
    }
    let run: Run;
    try {
      run = await attempt();
    } catch (error: unknown) {
      if (BenchProcess.interrupted) throw error;
      scenario.failures.push(describeError(error));
      options.log(`${label}: FAILED ${describeError(error)}`);
      return;
    }
    const others = `others used ${formatFixed(run.load.others, 2)} cores`;
    if (!(run.load.others > options.maxOtherLoad)) {
      scenario.runs.push(run);
      options.log(`${label}: ${describeRun(run)}; ${others}`);
      return;
    }
    if (!quietest || run.load.others < quietest.load.others) quietest = run;
    if (i === ATTEMPTS || Date.now() > repeatUntil) break;
    scenario.repeated++;
    options.log(`${label}: ${describeRun(run)}; ${others}, repeating`);
  }
  const kept = quietest as Run;
  scenario.runs.push({ ...kept, noisy: true });
  options.log(
    `${label}: ${describeRun(kept)}; kept although others used ${formatFixed(kept.load.others, 2)} cores`,
  );
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Table cells shared by the suites: runs kept (noisy, failed), the busiest other load, a median share. */
export const cells = {
  runs: (scenario: MeasuredScenario<Measured>): string => {
    const noisy = scenario.runs.filter((run) => run.noisy).length;
    const notes = [
      noisy > 0 ? `${noisy} noisy` : '',
      scenario.failures.length > 0 ? `${scenario.failures.length} failed` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return notes ? `${scenario.runs.length} (${notes})` : String(scenario.runs.length);
  },
  others: (runs: Measured[]): string => {
    return runs.length > 0 ? formatFixed(Math.max(...runs.map((run) => run.load.others)), 2) : '–';
  },
  share: (values: number[]): string => {
    return values.length > 0 ? `${formatFixed(median(values) * 100, 0)} %` : '–';
  },
};
