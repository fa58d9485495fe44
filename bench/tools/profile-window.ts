/** The parts of a V8 `.cpuprofile` (as `--cpu-prof` writes it) that a time window needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  /** µs of the monotonic clock (CLOCK_MONOTONIC on Linux, as `process.hrtime`). */
  startTime: number;
  samples: number[];
  /** µs from the previous sample (the first: from `startTime`). */
  timeDeltas: number[];
}

/** A profile's time inside a window, in µs, by what ran. */
export interface WindowTimes {
  /** Self time per function: `name source:line`. */
  byFunction: Map<string, number>;
  /** Self time per source: `node_modules/<package>`, `dist/<file>`, `node:<module>`, `GC`, `(program)`, `(idle)`… */
  bySource: Map<string, number>;
  /** Time with an area (a package, a folder of the product, `node:internal/<part>`) anywhere on the stack. */
  byAreaInclusive: Map<string, number>;
  /** Time with a function of the product (`dist/`) anywhere on the stack. */
  byProductFunctionInclusive: Map<string, number>;
  /** Every sample's time but `(idle)`: CPU time as V8 saw it. */
  busyUs: number;
  idleUs: number;
}

/** Where code came from, coarse enough to add up: a package, a product file, a Node module, or V8's own entries. */
export function sourceOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    return ['(program)', '(idle)', '(root)'].includes(functionName) ? functionName : '(native)';
  }
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '');
    return `node_modules/${name}`;
  }
  if (path.startsWith('node:')) return path;
  const dist = path.lastIndexOf('/dist/');
  if (dist >= 0) return `dist/${path.slice(dist + '/dist/'.length)}`;
  return path;
}

/**
 * The area a source belongs to: a package as it is, a product file's folder as `src/<folder>`
 * (its first two levels), a Node module as `node:internal/<part>` or `node:<module>`.
 */
export function areaOf(source: string): string {
  if (source.startsWith('dist/')) {
    const folders = source.slice('dist/'.length).split('/').slice(0, -1);
    return ['src', ...folders.slice(0, 2)].join('/');
  }
  if (source.startsWith('node:')) {
    const parts = source.slice('node:'.length).split('/');
    return parts[0] === 'internal' && parts.length > 2 ? `node:internal/${parts[1]}` : source;
  }
  return source;
}

/** `name path:line`, the path shortened to the package's or the product's own (`dist/…`). */
function functionLabel(functionName: string, url: string, lineNumber: number): string {
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  const dist = path.lastIndexOf('/dist/');
  const short = modules >= 0 ? path.slice(modules + 1) : dist >= 0 ? path.slice(dist + 1) : path;
  return `${name} ${short}:${lineNumber + 1}`;
}

/**
 * Adds up the samples of `profile` taken in [`fromUs`, `toUs`) (monotonic µs). A sample stands
 * for the time since the one before it (its `timeDelta`), V8's own convention.
 */
export function cutProfile(profile: CpuProfile, fromUs: number, toUs: number): WindowTimes {
  const frames = new Map<
    number,
    { label: string; source: string; areas: Set<string>; productFunctions: Set<string> }
  >();
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // What is on the stack of a node: its own area and function, and those of its callers (memoised).
  const frameOf = (id: number): NonNullable<ReturnType<typeof frames.get>> => {
    const known = frames.get(id);
    if (known) return known;
    const node = byId.get(id);
    if (!node) throw new Error(`sample of unknown profile node ${id}`);
    const { functionName, url, lineNumber } = node.callFrame;
    const source = sourceOf(url, functionName);
    const label = functionLabel(functionName, url, lineNumber);
    const parent = parents.get(id);
    const above = parent === undefined ? undefined : frameOf(parent);
    const areas = new Set(above?.areas);
    if (source !== '(root)') areas.add(areaOf(source));
    const productFunctions = new Set(above?.productFunctions);
    if (source.startsWith('dist/')) productFunctions.add(label);
    const frame = { label, source, areas, productFunctions };
    frames.set(id, frame);
    return frame;
  };
  const times = emptyTimes();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < fromUs || at >= toUs) return;
    const frame = frameOf(id);
    add(times.byFunction, frame.label, us);
    add(times.bySource, frame.source, us);
    if (frame.source === '(idle)') {
      times.idleUs += us;
      return;
    }
    times.busyUs += us;
    for (const area of frame.areas) add(times.byAreaInclusive, area, us);
    for (const label of frame.productFunctions) add(times.byProductFunctionInclusive, label, us);
  });
  return times;
}

function emptyTimes(): WindowTimes {
  return {
    byFunction: new Map(),
    bySource: new Map(),
    byAreaInclusive: new Map(),
    byProductFunctionInclusive: new Map(),
    busyUs: 0,
    idleUs: 0,
  };
}

/** Sums of several profiles' times (the nodes of a mesh). */
export function addTimes(all: readonly WindowTimes[]): WindowTimes {
  const total = emptyTimes();
  const keys = ['byFunction', 'bySource', 'byAreaInclusive', 'byProductFunctionInclusive'] as const;
  for (const times of all) {
    total.busyUs += times.busyUs;
    total.idleUs += times.idleUs;
    for (const key of keys) {
      for (const [name, us] of times[key]) total[key].set(name, (total[key].get(name) ?? 0) + us);
    }
  }
  return total;
}

/** Epoch ms as monotonic µs, given one reading of both clocks. */
export function monotonicUs(epochMs: number, clock: { epochMs: number; monotonicUs: number }): number {
  return clock.monotonicUs + (epochMs - clock.epochMs) * 1000;
}

/**
 * `times` scaled so that its busy time is `cpuUs`. A profile's sample gaps are wall time: a
 * process waiting for a core has its wait counted to what it ran when it was preempted, so on
 * saturated cores the busy time exceeds the CPU time used. The shares hold; scaled to the CPU
 * time /proc counted, they add up to CPU seconds.
 */
export function scaleTimes(times: WindowTimes, cpuUs: number): WindowTimes {
  const factor = times.busyUs > 0 ? cpuUs / times.busyUs : 0;
  const scale = (map: Map<string, number>) =>
    new Map([...map].map(([name, us]): [string, number] => [name, us * factor]));
  return {
    byFunction: scale(times.byFunction),
    bySource: scale(times.bySource),
    byAreaInclusive: scale(times.byAreaInclusive),
    byProductFunctionInclusive: scale(times.byProductFunctionInclusive),
    busyUs: cpuUs,
    idleUs: times.idleUs * factor,
  };
}
