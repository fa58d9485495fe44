import { median } from '../common/stats.js';
import type { PortCounters } from './lan-mesh.js';

/** The median and the largest of a run's figures (per node, per restart). */
export interface MedianMax {
  median: number;
  max: number;
}

export function medianMax(values: readonly number[]): MedianMax {
  return { median: median(values), max: Math.max(...values) };
}

/**
 * Per cable, how much the counter `pick` grew from `before` to `after`: two reads of
 * `LanMesh.portCounters()`, in its order.
 */
export function portDeltas(
  before: readonly PortCounters[],
  after: readonly PortCounters[],
  pick: (counters: PortCounters) => number,
): number[] {
  return after.map((counters, i) => {
    const earlier = before[i];
    if (earlier === undefined) throw new Error(`no earlier counters of switch port host${i + 1}`);
    return pick(counters) - pick(earlier);
  });
}
