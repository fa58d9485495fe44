import { loadavg } from 'node:os';
import { CpuMeter } from '../common/cpu-meter.js';
import type { Measured } from '../common/measure.js';
import { processMemory } from '../common/process-memory.js';
import { median } from '../common/stats.js';
import type { JoinMode, LanMesh } from './lan-mesh.js';
import type { GetResult, LinkedMark } from './lan-scale.types.js';

export interface FormationRun extends Measured {
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
}

const LINK_LIMIT_MS = 180_000;
const HEAP_SERIES = 'nodejs_heap_size_used_bytes';

/** Starts the nodes of a run, and times how long until all are linked and their topology views complete. */
export async function formationRun(mesh: LanMesh, mode: JoinMode, runId: string): Promise<FormationRun> {
  const meter = CpuMeter.start([], [process.pid]);
  await mesh.startNodes(mode, runId);
  const nodes = mesh.nodes;
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
    intervalMs: mesh.size > 32 ? 500 : 250,
  });
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
  return {
    nodes: mesh.size,
    mode,
    startSpanMs: lastReady - firstSpawn,
    fullMeshMs: Math.max(...linkedAt) - lastReady,
    nodeLinkedMsMedian: median(linkedAt.map((at) => at - lastReady)),
    topologyMs: topology ? Math.max(...marks.map((mark) => mark.topologyAt as number)) - lastReady : null,
    rssMedian: median(rss),
    rssMax: Math.max(...rss),
    heapMedian: median(heaps),
    heapMax: Math.max(...heaps),
    loadAverage: loadavg()[0] ?? Number.NaN,
    load: meter.stop(),
  };
}
