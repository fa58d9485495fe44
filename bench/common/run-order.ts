/**
 * The order of round `round`: `items` rotated by it, so warm-up and drift over a suite's run fall
 * on every stack or scenario in turn instead of always on the first.
 */
export function rotated<T>(items: readonly T[], round: number): T[] {
  return items.map((_, i) => items[(i + round) % items.length] as T);
}

/** Node options that write a `--cpu-prof` profile named `name` to `dir`; none when `dir` is unset. */
export function cpuProfileArgs(dir: string | undefined, name: string): string[] {
  return dir === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}
