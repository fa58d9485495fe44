import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg } from 'node:os';
import { median } from '../common/stats.js';
import type { LanHost } from '../../test/helpers/netns-lan.js';
import { type LanMesh, MESH_PORT } from './lan-mesh.js';
import { type PacketCensus, PacketCapture } from './packet-census.js';
import { type MedianMax, medianMax, portDeltas } from './run-figures.js';

/** What every node sent on an idle, formed mesh, per second: on the wire and in mesh frames. */
export interface IdleCost {
  nodes: number;
  seconds: number;
  /** Per node, bytes/s on its cable (Ethernet frames: IP, TCP, TLS, mesh frames, TCP ACKs, mDNS): median, max. */
  wireBytesPerSecond: MedianMax;
  wirePacketsPerSecond: MedianMax;
  /** The same per node, in order: which nodes send more than the median. */
  wireBytesPerSecondByNode: number[];
  /** Per node, mesh frames out per second and their bytes (length prefixes included, before TLS). */
  meshFramesPerSecond: number;
  meshBytesPerSecond: number;
  /** Wire bytes/s per node divided by its N−1 links. */
  wireBytesPerLinkSecond: number;
  /** Mesh frame bytes, mean. */
  meshFrameBytes: number;
  loadAverage: number;
  /** What node 2 (not the one every node was given) sent, by kind, per second. */
  census: PacketCensus;
  /** The same of every node, in order (node 2's is `census`). */
  censusByNode: PacketCensus[];
}

const FRAMES_OUT = 'ucmesh_link_messages_total{direction="out"}';
const BYTES_OUT = 'ucmesh_link_bytes_total{direction="out"}';

/**
 * After `settleSeconds` with nothing asked of it, the mesh's own traffic over `seconds`: each node's
 * cable counters (read at the switch, so the nodes are not disturbed) and its link frame counters.
 * The admin probe is silent in between: the scrapes come before the first and after the last read.
 */
export async function idleCostRun(mesh: LanMesh, seconds: number, settleSeconds: number): Promise<IdleCost> {
  await sleep(settleSeconds * 1000);
  const urls = mesh.nodes.map((_, i) => `${mesh.base(i)}/metrics`);
  const names = [FRAMES_OUT, BYTES_OUT];
  const before = await mesh.step<Array<Record<string, number>>>({ do: 'metrics', urls, names });
  // One tcpdump in each host: at idle they have little to do.
  const captures = mesh.hosts.map((host: LanHost) =>
    PacketCapture.start(host.namespace, host.interface, host.address, MESH_PORT, seconds + 30),
  );
  const start = await mesh.portCounters();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const end = await mesh.portCounters();
  const censusByNode = await Promise.all(captures.map((capture) => capture.stop()));
  const census = censusByNode[1] as PacketCensus;
  const elapsed = (performance.now() - startedAt) / 1000;
  const after = await mesh.step<Array<Record<string, number>>>({ do: 'metrics', urls, names });
  const bytes = portDeltas(start, end, (c) => c.txBytes).map((delta) => delta / elapsed);
  const packets = portDeltas(start, end, (c) => c.txPackets).map((delta) => delta / elapsed);
  // The metrics window is a little longer than the cable's (the scrapes): their rates are upper bounds.
  const delta = (name: string) =>
    median(after.map((values, i) => (values[name] ?? 0) - (before[i]?.[name] ?? 0))) / elapsed;
  const frames = delta(FRAMES_OUT);
  const frameBytes = delta(BYTES_OUT);
  return {
    nodes: mesh.size,
    seconds: elapsed,
    wireBytesPerSecond: medianMax(bytes),
    wirePacketsPerSecond: medianMax(packets),
    wireBytesPerSecondByNode: bytes.map((value) => Math.round(value)),
    meshFramesPerSecond: frames,
    meshBytesPerSecond: frameBytes,
    wireBytesPerLinkSecond: median(bytes) / (mesh.size - 1),
    meshFrameBytes: frames > 0 ? frameBytes / frames : Number.NaN,
    loadAverage: loadavg()[0] ?? Number.NaN,
    census,
    censusByNode,
  };
}
