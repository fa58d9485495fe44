import { afterEach, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { NodeProcess, tempDataDir } from './node-process.js';

/** Debian package `faketime`. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** Throws where libfaketime is missing, so a spec that needs it fails loudly instead of skipping. */
export function requireLibfaketime(): void {
  if (!existsSync(LIBFAKETIME)) {
    throw new Error(
      `${LIBFAKETIME} is missing: install the Debian package faketime (apt-get install faketime)`,
    );
  }
}

/**
 * The environment of a node whose system clock is `offset` ahead (faketime's syntax: '+2h', '+10s'),
 * as on a server without NTP. libfaketime shifts the wall clock of the node and of its embedded
 * PostgreSQL (a child, same environment), not the monotonic clock that timers run on.
 */
export function clockAhead(offset: string): Record<string, string> {
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/**
 * Standalone nodes on loopback (no LAN search) for one spec file, each with its own clock when
 * started with `clockAhead`: fails the file where libfaketime is missing, stops the nodes after
 * each test.
 */
export function skewedClockNodes(mesh: { MESH_ID: string; MESH_PASSWORD: string }): {
  /** Starts a node on `port` in a fresh DATA_DIR; `env` adds to (or overrides) the mesh settings. */
  start: (port: number, env?: Record<string, string>) => Promise<NodeProcess>;
} {
  const running: NodeProcess[] = [];
  beforeAll(requireLibfaketime);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
  });
  return {
    async start(port, env = {}) {
      const node = await NodeProcess.start({
        MESH_HOST: '127.0.0.1',
        ...mesh,
        DATA_DIR: await tempDataDir(),
        MESH_PORT: String(port),
        ...env,
      });
      running.push(node);
      return node;
    },
  };
}
