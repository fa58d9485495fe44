/**
 * Cases per fuzz target: 100,000 by default (what CI runs), `FUZZ_RUNS=5000000` for a long run.
 * A target that is costlier per case (real HTTP, real UDP) runs a fixed share of this.
 */
export function fuzzRuns(defaultRuns = 100_000): number {
  const configured = process.env.FUZZ_RUNS;
  if (configured === undefined || configured === '') return defaultRuns;
  const runs = Number(configured);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new Error(`FUZZ_RUNS="${configured}": must be a positive integer`);
  }
  return runs;
}

/** fast-check parameters; `FUZZ_SEED` replays the seed a failure printed. */
export function fuzzParameters(numRuns: number): { numRuns: number; seed?: number; endOnFailure: true } {
  const seed = process.env.FUZZ_SEED;
  return { numRuns, endOnFailure: true, ...(seed ? { seed: Number(seed) } : {}) };
}

/** Plain check: `expect` costs more than the code under test in a loop of 100,000 cases. */
export function check(condition: boolean, problem: string): void {
  if (!condition) throw new Error(problem);
}
