import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLan, type Lan, type LanHost } from '../../test/helpers/netns-lan.js';
import { BenchProcess } from '../common/bench-process.js';
import { workerScript } from '../common/measure.js';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import { LanNodeProcess, NODE_MAIN } from './lan-node-process.js';
import type { ProbeConfig, ProbeStep, ProbeTarget } from './lan-scale.types.js';
import { SharedPostgres } from './shared-postgres.js';

const run = promisify(execFile);
const PROBE_SCRIPT = workerScript(import.meta.url, 'admin-probe.js');
export const NAMESPACE_PREFIX = 'ucscale';
export const MESH_PORT = 7222;
const HTTP_PORT = 7224;
const ADMIN_TOKEN = 'ucmesh-bench-lan-admin-token';
/** Nodes starting at once: Nest and the migrations of a new database are CPU-bound, on two cores. */
const START_CONCURRENCY = 4;
/** Sessions: every node's pool, with room to spare. */
const CONNECTIONS_PER_NODE = 8;

/**
 * How the nodes find each other: `peers` — the search off, every node given only the first node's
 * address (`MESH_PEERS`); `search` — the LAN search (multicast DNS) on, no address; `both`.
 */
export type JoinMode = 'peers' | 'search' | 'both';
export const JOIN_MODES: readonly JoinMode[] = ['peers', 'search', 'both'];

/** Byte and packet counters of one node's cable, as its switch port sees them (rx there = the node's tx). */
export interface PortCounters {
  txBytes: number;
  txPackets: number;
  rxBytes: number;
  rxPackets: number;
}

/**
 * A LAN of `size` node hosts plus one admin host (the probe), each a network namespace on one
 * bridge; one shared PostgreSQL on a Unix socket; the standalone node `dist/main.js` started in each
 * node host. Everything it started goes in `destroy()`, also when a run failed half-way.
 */
export class LanMesh {
  nodes: LanNodeProcess[] = [];
  private envs: Array<Record<string, string>> = [];
  private nodeArgs: string[][] = [];
  /**
   * `MESH_ENCRYPTION` of every node; unset: the node's default (`starttls-optional`, with its
   * generated certificate: TLS 1.3). `none` lets a packet census read the frames.
   */
  meshEncryption?: EncryptionMode;
  /** What every node started from now on runs: the standalone node, or it with a presence feature. */
  nodeScript = NODE_MAIN;
  private constructor(
    readonly size: number,
    private readonly lan: Lan,
    private readonly postgres: SharedPostgres,
    private readonly probe: BenchProcess,
    private readonly workDir: string,
    private readonly license: { token: string; publicKey: string },
  ) {}

  static async create(
    size: number,
    workDir: string,
    license: { token: string; publicKey: string },
    limitMs: number,
  ): Promise<LanMesh> {
    const lan = await createLan(size + 1, { name: NAMESPACE_PREFIX });
    let postgres: SharedPostgres | undefined;
    try {
      postgres = await SharedPostgres.start(join(workDir, 'lan-pg'), size * CONNECTIONS_PER_NODE + 20);
      const probeHost = lan.hosts[size] as LanHost;
      const config: ProbeConfig = { limitMs, token: ADMIN_TOKEN };
      const probe = BenchProcess.start('admin probe', PROBE_SCRIPT, config, [], probeHost.namespace);
      await probe.next('ready');
      return new LanMesh(size, lan, postgres, probe, workDir, license);
    } catch (error: unknown) {
      await postgres?.stop();
      await lan.destroy();
      throw error;
    }
  }

  get hosts(): LanHost[] {
    return this.lan.hosts.slice(0, this.size);
  }

  get probePid(): number {
    return this.probe.pid;
  }

  get postgresPid(): number | undefined {
    return this.postgres.pid;
  }

  target(i: number): ProbeTarget {
    const node = this.nodes[i] as LanNodeProcess;
    return { base: this.base(i), nodeId: node.nodeId };
  }

  base(i: number): string {
    return `http://${(this.hosts[i] as LanHost).address}:${HTTP_PORT}`;
  }

  /**
   * Starts a node on every host with a new database and data folder (new identities), at most
   * START_CONCURRENCY starting at once, the first node first (the others are given its address).
   * With `cpuProfileDir`, every node writes a V8 CPU profile to `<cpuProfileDir>/node-<i>` when it
   * exits (restarts too: one file per process).
   */
  async startNodes(mode: JoinMode, runId: string, cpuProfileDir?: string): Promise<void> {
    if (this.nodes.length > 0) throw new Error('the nodes of the previous run are still running');
    const first = (this.hosts[0] as LanHost).address;
    this.envs = [];
    this.nodeArgs = this.hosts.map((_, i) =>
      cpuProfileDir === undefined ? [] : cpuProfileNodeArgs(join(cpuProfileDir, `node-${i + 1}`)),
    );
    for (const [i, host] of this.hosts.entries()) {
      const database = await this.postgres.recreate(`lan_${runId}_${i + 1}`);
      const search = mode !== 'peers';
      this.envs.push({
        DATABASE_URL: database,
        DATA_DIR: join(this.workDir, `lan-${runId}-node-${i + 1}`),
        MESH_HOST: host.address,
        MESH_BIND: host.address,
        MESH_PORT: String(MESH_PORT),
        MESH_DISCOVERY: String(search),
        ...(this.meshEncryption ? { MESH_ENCRYPTION: this.meshEncryption } : {}),
        ...(search ? { MESH_DISCOVERY_INTERFACE: host.address } : {}),
        ...(mode !== 'search' && i > 0 ? { MESH_PEERS: `${first}:${MESH_PORT}` } : {}),
        MESH_ID: 'bench-lan',
        MESH_PASSWORD: 'bench-lan-password',
        MESH_LICENSE: this.license.token,
        MESH_LICENSE_PUBLIC_KEY: this.license.publicKey,
        HTTP_BIND: host.address,
        HTTP_PORT: String(HTTP_PORT),
        ADMIN_TOKEN,
      });
    }
    const started: LanNodeProcess[] = [];
    this.nodes = started;
    let next = 0;
    const starter = async () => {
      while (next < this.size) {
        const i = next++;
        const node = this.spawn(i);
        started[i] = node;
        try {
          await node.ready();
        } catch (error: unknown) {
          next = this.size; // no further starts; those in progress finish
          throw error;
        }
      }
    };
    // The first node alone, so that the others find it listening.
    next = 1;
    started[0] = this.spawn(0);
    await started[0].ready();
    const starts = await Promise.allSettled(Array.from({ length: START_CONCURRENCY }, starter));
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Stops node `i` (SIGTERM) and starts it again on the same database and folder: the same identity. */
  async restart(i: number): Promise<{ stoppedAt: number; node: LanNodeProcess }> {
    await this.nodes[i]?.stop();
    const stoppedAt = Date.now();
    const node = this.spawn(i);
    this.nodes[i] = node;
    await node.ready();
    return { stoppedAt, node };
  }

  async stopNodes(): Promise<void> {
    const nodes = this.nodes.splice(0);
    await Promise.all(nodes.map((node) => node?.stop()));
  }

  async step<Result>(step: ProbeStep): Promise<Result> {
    this.probe.command({ type: 'step', step });
    return (await this.probe.next('result')).result as Result;
  }

  /** Every node's cable counters, read at its switch port in one `ip -s -j link` of the switch namespace. */
  async portCounters(): Promise<PortCounters[]> {
    // netns-lan names the switch `<prefix>-sw` and the hosts `<prefix>-h<i>`, with port `host<i>`.
    const switchNamespace = (this.hosts[0] as LanHost).namespace.replace(/-h\d+$/, '-sw');
    const { stdout } = await run('ip', ['-n', switchNamespace, '-s', '-j', 'link', 'show'], {
      timeout: 10_000,
    });
    type Stats = { bytes: number; packets: number };
    const ports = JSON.parse(stdout) as Array<{ ifname: string; stats64?: { rx: Stats; tx: Stats } }>;
    return this.hosts.map((_, i) => {
      const stats = ports.find((port) => port.ifname === `host${i + 1}`)?.stats64;
      if (!stats) throw new Error(`no counters of switch port host${i + 1}`);
      // The switch port receives what the node sends.
      return {
        txBytes: stats.rx.bytes,
        txPackets: stats.rx.packets,
        rxBytes: stats.tx.bytes,
        rxPackets: stats.tx.packets,
      };
    });
  }

  async dropDatabases(runId: string): Promise<void> {
    for (let i = 1; i <= this.size; i++) await this.postgres.drop(`lan_${runId}_${i}`);
  }

  async destroy(): Promise<void> {
    try {
      await this.stopNodes();
      await this.probe.stop();
    } finally {
      try {
        await this.postgres.stop();
      } finally {
        await this.lan.destroy();
      }
    }
  }

  /** Kills every node at once, for an exit that cannot wait. */
  killAll(): void {
    for (const node of this.nodes) node?.kill();
  }

  private spawn(i: number): LanNodeProcess {
    const host = this.hosts[i] as LanHost;
    return LanNodeProcess.spawn(
      `node ${i + 1} (${host.address})`,
      host.namespace,
      this.envs[i] ?? {},
      this.nodeArgs[i] ?? [],
      this.nodeScript,
    );
  }
}

/**
 * Sampling every 2 ms instead of V8's 1 ms: 32 profiled processes on two cores, and the profile
 * is read summed over all of them, where a coarser grain costs nothing.
 */
const CPU_PROFILE_INTERVAL_US = 2000;

/** Node options that write a CPU profile into `dir` when the process exits (also by `process.exit`). */
function cpuProfileNodeArgs(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${CPU_PROFILE_INTERVAL_US}`];
}
