import { afterEach } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { createLan, type Lan, type LanHost } from './netns-lan.js';
import { type Exit, NodeProcess, tempDataDir } from './node-process.js';
import { until } from './until.js';

/**
 * Node processes on LANs of test-made network namespaces, for one test file: whatever a test
 * started — extra cleanups first (e.g. sniffers), then the nodes, then the namespaces and data
 * directories — is removed after each test, also when the test failed half-way.
 */
export function lanNodes(name: string) {
  const lans: Lan[] = [];
  const running: NodeProcess[] = [];
  const dataDirs: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    try {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
      // Nodes first: a namespace deleted under a running node would live on with it.
      await Promise.all(running.splice(0).map((node) => node.stop().catch(() => node.stop('SIGKILL'))));
    } finally {
      for (const lan of lans.splice(0)) await lan.destroy();
      await Promise.all(dataDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });
  const newLan = async (count: number): Promise<Lan> => {
    const lan = await createLan(count, { name });
    lans.push(lan);
    return lan;
  };
  return {
    /** The hosts of a new LAN. */
    async hosts(count: number): Promise<LanHost[]> {
      return (await newLan(count)).hosts;
    },
    /** A new LAN itself, for tests that pull and plug cables (`setLinkUp`). */
    lan: newLan,
    async dataDir(): Promise<string> {
      const dir = await tempDataDir();
      dataDirs.push(dir);
      return dir;
    },
    /** Starts a node inside the host's namespace. */
    async start(host: LanHost, env: Record<string, string>): Promise<NodeProcess> {
      const process = await NodeProcess.start(env, { netns: host.namespace });
      running.push(process);
      return process;
    },
    /** Stops a node within the test (it is then no longer stopped after it). */
    async stop(process: NodeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
      running.splice(running.indexOf(process), 1);
      return process.stop(signal);
    },
    /** Runs before the nodes are stopped after the test. */
    onCleanup(cleanup: () => Promise<void>): void {
      cleanups.push(cleanup);
    },
  };
}

/** Starts at once; every start that succeeded stays tracked for the cleanup even if another failed. */
export async function allStarted<T>(starts: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Polls `probe` until `done` holds; fails with the last value after `limitMs`. */
export function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  limitMs: number,
): Promise<T> {
  let last: T | undefined;
  return until(
    'the awaited value',
    async () => {
      last = await probe();
      return done(last) ? last : undefined;
    },
    limitMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last value: ${JSON.stringify(last)}`, { cause: error });
  });
}
