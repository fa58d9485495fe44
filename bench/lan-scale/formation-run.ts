import { loadavg } from 'node:os';
import { CpuMeter, processCpuSeconds, treeCpuSeconds } from '../common/cpu-meter.js';
import type { Measured } from '../common/measure.js';
import { processMemory } from '../common/process-memory.js';
import { median } from '../common/stats.js';
import type { JoinMode, LanMesh } from './lan-mesh.js';
import type { GetResult, LinkedMark } from './lan-scale.types.js';

/**
 * When the phases of a formation run happened, to cut CPU profiles to them: epoch ms, plus one
 * reading of the monotonic clock that V8 profiles stamp their samples with.
 */
export interface FormationWindow {
  firstSpawnAt: number;
  lastReadyAt: number;
  /** Every node listed every other connected (the probe's clock: the same machine's). */
  fullMeshAt: number;
  /** Every node's topology view complete; `null` without that endpoint. */
  topologyAt: number | null;
  /**
   * `epochMs` and `monotonicUs` read together: CLOCK_MONOTONIC in µs, as `process.hrtime.bigint()`
   * and the `startTime` and sample times of a `--cpu-prof` profile (V8 on Linux) count it.
   */
  clock: { epochMs: number; monotonicUs: number };
}

/** CPU seconds (user + system, from /proc) of a formation run's processes, by phase. */
export interface FormationCpu {
  /** Per node (in order): from its spawn until the last node was ready, then until the probe saw the mesh formed. */
  nodesUntilLastReady: number[];
  nodesUntilFormed: number[];
  /** The shared PostgreSQL server with its sessions, over the same two phases. */
  postgresUntilLastReady: number;
  postgresUntilFormed: number;
  /** The admin probe (its polling of every node) while the mesh formed. */
  probeUntilFormed: number;
  /** Wall seconds of the second phase (last ready until the probe's answer): per-node CPU ÷ this = cores. */
  formedSeconds: number;
}

export interface FormationRun extends Measured {
  /** Names the run's databases and profile folder (`<mode>_<run>`). */
  runId: string;
  nodes: number;
  mode: JoinMode;
  /** First node's spawn until the last one was ready (its start banner). */
  startSpanMs: number;
  /** From the last node's start banner until every node listed every other connected. */
  fullMeshMs: number;
  /** The same per node, median over the nodes. */
  nodeLinkedMsMedian: number;
  /** …until every node's `GET /api/mesh/topology` said `complete: true`; `null`: no such endpoint (404). */
  topologyMs: number | null;
  /** Per node once the mesh formed: RSS (VmRSS) and V8 heap used, median and largest, bytes. */
  rssMedian: number;
  rssMax: number;
  heapMedian: number;
  heapMax: number;
  /** Load average (1 min) of the machine at the end of the run: other sessions share it. */
  loadAverage: number;
  window: FormationWindow;
  cpu: FormationCpu;
}

const LINK_LIMIT_MS = 180_000;
const HEAP_SERIES = 'nodejs_heap_size_used_bytes';

/** Starts the nodes of a run, and times how long until all are linked and their topology views complete. */
export async function formationRun(
  mesh: LanMesh,
  mode: JoinMode,
  runId: string,
  cpuProfileDir?: string,
): Promise<FormationRun> {
  const clock = { epochMs: Date.now(), monotonicUs: Number(process.hrtime.bigint() / 1000n) };
  const postgres = mesh.postgresPid === undefined ? [] : [mesh.postgresPid];
  const postgresAtStart = treeCpuSeconds(postgres);
  const meter = CpuMeter.start([], [process.pid]);
  await mesh.startNodes(mode, runId, cpuProfileDir);
  const nodes = mesh.nodes;
  const readyCpu = nodes.map((node) => processCpuSeconds(node.pid));
  const postgresAtReady = treeCpuSeconds(postgres);
  const probeAtReady = processCpuSeconds(mesh.probePid);
  const readySeen = performance.now();
  const firstSpawn = Math.min(...nodes.map((node) => node.startedAt));
  const lastReady = Math.max(...nodes.map((node) => node.readyAt ?? Number.NaN));
  const [probe] = await mesh.step<GetResult[]>({ do: 'get', urls: [`${mesh.base(0)}/api/mesh/topology`] });
  const topology = probe?.status !== 404;
  const targets = nodes.map((_, i) => mesh.target(i));
  const marks = await mesh.step<LinkedMark[]>({
    do: 'until-linked',
    targets,
    nodeIds: targets.map((target) => target.nodeId),
    topology,
    limitMs: LINK_LIMIT_MS,
    // The probe's own requests load the two cores: fewer of them in larger meshes.
    intervalMs: mesh.size > 16 ? 500 : 250,
  });
  const formedCpu = nodes.map((node) => processCpuSeconds(node.pid));
  const cpu: FormationCpu = {
    nodesUntilLastReady: readyCpu,
    nodesUntilFormed: formedCpu.map((seconds, i) => seconds - (readyCpu[i] ?? 0)),
    postgresUntilLastReady: postgresAtReady - postgresAtStart,
    postgresUntilFormed: treeCpuSeconds(postgres) - postgresAtReady,
    probeUntilFormed: processCpuSeconds(mesh.probePid) - probeAtReady,
    formedSeconds: (performance.now() - readySeen) / 1000,
  };
  const unlinked = marks.flatMap((mark, i) =>
    mark.linkedAt === undefined
      ? [`${i + 1} (${mark.links} links${mark.problem ? `; ${mark.problem}` : ''})`]
      : [],
  );
  if (unlinked.length > 0) {
    throw new Error(
      `not all linked within ${LINK_LIMIT_MS} ms: nodes ${unlinked.join(', ')} of ${mesh.size}`,
    );
  }
  const incomplete = topology ? marks.filter((mark) => mark.topologyAt === undefined).length : 0;
  if (incomplete > 0)
    throw new Error(`${incomplete} nodes' topology views not complete within ${LINK_LIMIT_MS} ms`);
  const linkedAt = marks.map((mark) => mark.linkedAt as number);
  const rss = nodes.map((node) => processMemory(node.pid)?.rss ?? Number.NaN);
  const heaps = (
    await mesh.step<Array<Record<string, number>>>({
      do: 'metrics',
      urls: nodes.map((_, i) => `${mesh.base(i)}/metrics`),
      names: [HEAP_SERIES],
    })
  ).map((values) => values[HEAP_SERIES] ?? Number.NaN);
  const topologyAt = topology ? Math.max(...marks.map((mark) => mark.topologyAt as number)) : null;
  return {
    runId,
    nodes: mesh.size,
    mode,
    startSpanMs: lastReady - firstSpawn,
    fullMeshMs: Math.max(...linkedAt) - lastReady,
    nodeLinkedMsMedian: median(linkedAt.map((at) => at - lastReady)),
    topologyMs: topologyAt === null ? null : topologyAt - lastReady,
    rssMedian: median(rss),
    rssMax: Math.max(...rss),
    heapMedian: median(heaps),
    heapMax: Math.max(...heaps),
    loadAverage: loadavg()[0] ?? Number.NaN,
    load: meter.stop(),
    window: {
      firstSpawnAt: firstSpawn,
      lastReadyAt: lastReady,
      fullMeshAt: Math.max(...linkedAt),
      topologyAt,
      clock,
    },
    cpu,
  };
}
