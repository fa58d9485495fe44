import { join } from 'node:path';
import type { BenchDatabase } from '../common/bench-database.js';
import { BenchProcess } from '../common/bench-process.js';
import { workerScript } from '../common/measure.js';
import type { ScaleNodeConfig, ScaleStep } from './scale-bench.types.js';

const SCRIPT = workerScript(import.meta.url, 'scale-node.js');

export interface ClusterContext {
  database: BenchDatabase;
  workDir: string;
  license: { token: string; publicKey: string };
  /** Every process's limit. */
  limitMs: number;
  /** Databases created so far: every node of every run gets a new one. */
  databases: number;
}

interface ClusterNode {
  process: BenchProcess;
  port: number;
  nodeId: string;
}

/** `size` mesh node processes on 127.0.0.1, each with a database of its own, driven by steps. */
export class ScaleCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** Starts every node at once and waits until all are ready; stops them all if one fails. */
  static async start(size: number, context: ClusterContext): Promise<ScaleCluster> {
    const processes: BenchProcess[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const config: ScaleNodeConfig = {
          limitMs: context.limitMs,
          mesh: {
            databaseUrl: await context.database.create(`scale_node_${++context.databases}`),
            // Kept per position across runs: the self-signed certificate is made once.
            dataDir: join(context.workDir, `scale-node-${i + 1}`),
            encryption: 'starttls-optional',
          },
          license: context.license.token,
          licensePublicKey: context.license.publicKey,
        };
        processes.push(BenchProcess.start(`scale node ${i + 1}/${size}`, SCRIPT, config, ['--expose-gc']));
      }
      const ready = await Promise.all(processes.map((process) => process.next('ready')));
      return new ScaleCluster(
        ready.map((report, i) => ({
          process: processes[i] as BenchProcess,
          port: report.port,
          nodeId: report.nodeId ?? '',
        })),
      );
    } catch (error: unknown) {
      await Promise.all(processes.map((process) => process.stop()));
      throw error;
    }
  }

  get pids(): number[] {
    return this.nodes.map((node) => node.process.pid);
  }

  /** Sends node `i` (of `which`, default all) `step(i)` and resolves with their results in order. */
  async steps<Result>(step: (i: number) => ScaleStep, which?: number[]): Promise<Result[]> {
    const indices = which ?? this.nodes.map((_, i) => i);
    const targets = indices.map((i) => this.nodes[i] as ClusterNode);
    targets.forEach((node, k) => node.process.command({ type: 'step', step: step(indices[k] as number) }));
    const reports = await Promise.all(targets.map((node) => node.process.next('result')));
    return reports.map((report) => report.result as Result);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.process.stop()));
  }
}
