import { join } from 'node:path';
import type { LanHost } from '../../test/helpers/netns-lan.js';
import { BenchProcess } from '../common/bench-process.js';
import { workerScript } from '../common/measure.js';
import type { DiscoveryNodeConfig, DiscoveryStep } from './discovery-bench.types.js';

const SCRIPT = workerScript(import.meta.url, 'discovery-node.js');

export interface LanNodeSettings {
  workDir: string;
  intervalMs: number;
  license: { token: string; publicKey: string };
  limitMs: number;
}

/** The orchestrator's handle on a node process running in a host's network namespace. */
export class LanNode {
  private constructor(
    readonly host: LanHost,
    readonly process: BenchProcess,
    readonly nodeId: string,
  ) {}

  /** Starts a node with a new database (a new identity) on the host, and waits until it is ready. */
  static async start(
    host: LanHost,
    index: number,
    port: number,
    database: string,
    settings: LanNodeSettings,
  ) {
    const config: DiscoveryNodeConfig = {
      limitMs: settings.limitMs,
      hostDir: join(settings.workDir, `lan-host-${index + 1}`),
      database,
      address: host.address,
      port,
      intervalMs: settings.intervalMs,
      license: settings.license.token,
      licensePublicKey: settings.license.publicKey,
    };
    const process = BenchProcess.start(`LAN node ${host.address}`, SCRIPT, config, [], host.namespace);
    try {
      const ready = await process.next('ready');
      return new LanNode(host, process, ready.nodeId ?? '');
    } catch (error: unknown) {
      await process.stop();
      throw error;
    }
  }

  async step<Result>(step: DiscoveryStep): Promise<Result> {
    this.process.command({ type: 'step', step });
    return (await this.process.next('result')).result as Result;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

/** Starts nodes at once; if one fails, stops those that did start. */
export async function startAll(starts: Array<() => Promise<LanNode>>): Promise<LanNode[]> {
  const results = await Promise.allSettled(starts.map((start) => start()));
  const failed = results.find((result) => result.status === 'rejected');
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (failed) {
    await Promise.all(started.map((node) => node.stop()));
    throw failed.reason;
  }
  return started;
}
