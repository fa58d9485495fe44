import { percentile } from '../common/stats.js';
import type { LanMesh } from './lan-mesh.js';
import type { GetResult, MetricMark } from './lan-scale.types.js';
import { PRESENCE_LAG, PRESENCE_METRICS_PATH } from './presence-lag.names.js';

/** From a change on one node until every other node has it. */
export interface Propagation {
  nodes: number;
  changes: number;
  /** Per (change, receiving node): the receiver's lag, ms (the change's stamp to its arrival). */
  lagMs: { p50: number; p99: number; max: number; samples: number };
  /** Per change: until the last receiver had it, ms. */
  allArrivedMs: { p50: number; p99: number; max: number };
  /** Changes not seen by every node within the limit, or seen more than once (lag not attributable). */
  unattributed: number;
}

/** What is changed on the origin and which lag histogram of the receivers times its arrival. */
export interface LagSource {
  /** The admin request that makes change number `change` on the origin (`base` is its admin URL). */
  change(base: string, change: number): { url: string; body: unknown };
  /** Path of the receivers' Prometheus text holding `histogram`. */
  metricsPath: string;
  histogram: string;
}

const ARRIVAL_LIMIT_MS = 30_000;

/**
 * CallData sets through the origin's admin API (calls `<tag>-<n>`), timed by each receiver's
 * `ucmesh_calldata_replication_lag_seconds` (from the change's hybrid-clock stamp to its commit
 * there; all nodes share this machine's clock).
 */
export function callDataChanges(tag: string): LagSource {
  return {
    change: (base, change) => ({
      url: `${base}/api/calldata/${tag}-${change}`,
      body: { fields: { state: 'ringing', change: String(change) } },
    }),
    metricsPath: '/metrics',
    histogram: 'ucmesh_calldata_replication_lag_seconds',
  };
}

/**
 * Presence entries (node-owned state; users `<tag>-<n>`) set on a bench presence node, timed by
 * each receiver's `bench_presence_lag_seconds` (from the owner's set to the arrival).
 */
export function presenceChanges(tag: string): LagSource {
  return {
    change: (base, change) => ({
      url: `${base}/bench/presence/${tag}-${change}`,
      body: { status: change % 2 === 0 ? 'busy' : 'available' },
    }),
    metricsPath: PRESENCE_METRICS_PATH,
    histogram: PRESENCE_LAG,
  };
}

/**
 * `changes` changes on node `origin`, one at a time; each receiver's lag histogram grows by exactly
 * one sample per change: the growth of its `_sum` is that change's lag, to the millisecond, without
 * polling error.
 */
export async function propagationRun(
  mesh: LanMesh,
  changes: number,
  origin: number,
  source: LagSource,
): Promise<Propagation> {
  const lagSum = `${source.histogram}_sum`;
  const lagCount = `${source.histogram}_count`;
  const receivers = mesh.nodes.flatMap((_, i) =>
    i === origin ? [] : [`${mesh.base(i)}${source.metricsPath}`],
  );
  const lags: number[] = [];
  const alls: number[] = [];
  let unattributed = 0;
  for (let change = 1; change <= changes; change++) {
    const before = await mesh.step<Array<Record<string, number>>>({
      do: 'metrics',
      urls: receivers,
      names: [lagSum, lagCount],
    });
    const request = source.change(mesh.base(origin), change);
    const put = await mesh.step<GetResult>({ do: 'send', method: 'PUT', ...request });
    if (put.status !== 200)
      throw new Error(`PUT ${request.url} answered ${put.status}: ${JSON.stringify(put.body)}`);
    const marks = await mesh.step<MetricMark[]>({
      do: 'until-metric',
      urls: receivers,
      name: lagCount,
      also: [lagSum],
      above: before.map((values) => values[lagCount] ?? 0),
      limitMs: ARRIVAL_LIMIT_MS,
      intervalMs: 50,
    });
    const perNode = marks.map((mark, i) => {
      const count = (mark.values[lagCount] ?? 0) - (before[i]?.[lagCount] ?? 0);
      const sum = (mark.values[lagSum] ?? 0) - (before[i]?.[lagSum] ?? 0);
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
