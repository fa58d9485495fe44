import { percentile } from '../common/stats.js';
import type { LanMesh } from './lan-mesh.js';
import type { GetResult, MetricMark } from './lan-scale.types.js';

/** From a CallData change on one node until every other node has committed it. */
export interface Propagation {
  nodes: number;
  changes: number;
  /** Per (change, receiving node): the receiver's replication lag, ms (stamp to commit). */
  lagMs: { p50: number; p99: number; max: number; samples: number };
  /** Per change: until the last receiver committed it, ms. */
  allArrivedMs: { p50: number; p99: number; max: number };
  /** Changes not seen by every node within the limit, or seen more than once (lag not attributable). */
  unattributed: number;
}

const LAG = 'ucmesh_calldata_replication_lag_seconds';
const LAG_SUM = `${LAG}_sum`;
const LAG_COUNT = `${LAG}_count`;
const ARRIVAL_LIMIT_MS = 30_000;

/**
 * `changes` CallData sets through the admin API of node `origin`, one at a time. Each receiver's
 * lag histogram (`ucmesh_calldata_replication_lag_seconds`, from the change's hybrid-clock stamp to
 * its commit there; all nodes share this machine's clock) grows by exactly one sample per change:
 * the growth of its `_sum` is that change's lag, to the millisecond, without polling error.
 */
export async function propagationRun(
  mesh: LanMesh,
  changes: number,
  origin: number,
  tag: string,
): Promise<Propagation> {
  const receivers = mesh.nodes.flatMap((_, i) => (i === origin ? [] : [`${mesh.base(i)}/metrics`]));
  const lags: number[] = [];
  const alls: number[] = [];
  let unattributed = 0;
  for (let change = 1; change <= changes; change++) {
    const before = await mesh.step<Array<Record<string, number>>>({
      do: 'metrics',
      urls: receivers,
      names: [LAG_SUM, LAG_COUNT],
    });
    const put = await mesh.step<GetResult>({
      do: 'send',
      url: `${mesh.base(origin)}/api/calldata/${tag}-${change}`,
      method: 'PUT',
      body: { fields: { state: 'ringing', change: String(change) } },
    });
    if (put.status !== 200)
      throw new Error(`PUT CallData answered ${put.status}: ${JSON.stringify(put.body)}`);
    const marks = await mesh.step<MetricMark[]>({
      do: 'until-metric',
      urls: receivers,
      name: LAG_COUNT,
      also: [LAG_SUM],
      above: before.map((values) => values[LAG_COUNT] ?? 0),
      limitMs: ARRIVAL_LIMIT_MS,
      intervalMs: 50,
    });
    const perNode = marks.map((mark, i) => {
      const count = (mark.values[LAG_COUNT] ?? 0) - (before[i]?.[LAG_COUNT] ?? 0);
      const sum = (mark.values[LAG_SUM] ?? 0) - (before[i]?.[LAG_SUM] ?? 0);
      return mark.at !== undefined && count === 1 ? sum * 1000 : undefined;
    });
    if (perNode.some((lag) => lag === undefined)) {
      unattributed++;
      continue;
    }
    lags.push(...(perNode as number[]));
    alls.push(Math.max(...(perNode as number[])));
  }
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  const lagSorted = sorted(lags);
  const allSorted = sorted(alls);
  return {
    nodes: mesh.size,
    changes,
    lagMs: {
      p50: percentile(lagSorted, 50),
      p99: percentile(lagSorted, 99),
      max: lagSorted[lagSorted.length - 1] ?? Number.NaN,
      samples: lags.length,
    },
    allArrivedMs: {
      p50: percentile(allSorted, 50),
      p99: percentile(allSorted, 99),
      max: allSorted[allSorted.length - 1] ?? Number.NaN,
    },
    unattributed,
  };
}
