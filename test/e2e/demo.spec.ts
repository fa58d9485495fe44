import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { postmastersOf } from '../helpers/postmaster.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DEMO = join(ROOT, '.build', 'demo', 'demo.js');
const COMPILE_LIMIT_MS = 60_000;
const TABLE_LIMIT_MS = 60_000;
const EXIT_LIMIT_MS = 30_000;
const ROW = /^(node-\d)\s+(http:\/\/\S+)\/admin\s+(\S+)\s+(\d+)\s+([0-9a-f-]{36})$/gm;

interface Row {
  name: string;
  url: string;
  token: string;
  meshPort: number;
  nodeId: string;
}

/** `npm run demo` as a child process, its output collected. */
class Demo {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    }
    this.exited = new Promise((done) => this.child.once('exit', (code, signal) => done({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The three rows of the printed table, once it is there. */
  async table(): Promise<Row[]> {
    const deadline = Date.now() + TABLE_LIMIT_MS;
    for (;;) {
      const rows = [...this.output.matchAll(ROW)];
      if (rows.length === 3) {
        return rows.map(([, name, url, token, meshPort, nodeId]) => ({
          name: name!,
          url: url!,
          token: token!,
          meshPort: Number(meshPort),
          nodeId: nodeId!,
        }));
      }
      if (!this.running) throw new Error(`the demo exited before its table:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no table within ${TABLE_LIMIT_MS} ms:\n${this.output}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`the demo did not exit within ${EXIT_LIMIT_MS} ms:\n${this.output}`)),
        EXIT_LIMIT_MS,
      );
    });
    try {
      return await Promise.race([this.exited, limit]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A run of `count` ports free on 127.0.0.1, away from `avoid` (another run). */
async function freePorts(count: number, avoid = -100): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65535 || Math.abs(first - avoid) < count) continue;
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => isFree(first + i + 1)));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** The live (not zombie) processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const fields = statFields(Number(entry));
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === pid;
    })
    .map(Number);
}

function alive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** `/proc/<pid>/stat` after the command name: state, parent PID, …; undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

async function connectedNodeIds(row: Row): Promise<string[]> {
  const response = await fetch(`${row.url}/api/mesh/nodes`, {
    headers: { authorization: `Bearer ${row.token}` },
    signal: AbortSignal.timeout(5000),
  });
  expect(response.status).toBe(200);
  const nodes = (await response.json()) as MeshNodeView[];
  return nodes
    .filter((node) => node.status.state === 'connected')
    .map((node) => node.nodeId ?? '')
    .sort();
}

const demos: Demo[] = [];
const nodePids: number[] = [];

beforeAll(async () => {
  // `npm test` builds dist/ only; the demo script has its own small compile step (as `npm run demo`).
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'scripts', 'tsconfig.demo.json')], {
    timeout: COMPILE_LIMIT_MS,
  });
}, COMPILE_LIMIT_MS + 5000);

afterAll(async () => {
  // After a failure: the nodes stop themselves once their demo is gone (demo-guard.ts).
  for (const demo of demos) if (demo.running) demo.kill('SIGKILL');
  await new Promise((done) => setTimeout(done, 100));
  for (const pid of nodePids) if (alive(pid)) process.kill(pid, 'SIGTERM');
});

describe('npm run demo', () => {
  it('starts three nodes linked as a full mesh, prints their tokens, and stops them all on SIGINT', async () => {
    const meshPort = await freePorts(3);
    const httpPort = await freePorts(3, meshPort);
    const dataDir = await tempDataDir();
    const demo = new Demo([
      '--data-dir',
      dataDir,
      '--mesh-port',
      String(meshPort),
      '--http-port',
      String(httpPort),
    ]);
    demos.push(demo);

    const rows = await demo.table();
    expect(rows.map((row) => row.name)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(rows.map((row) => row.url)).toEqual([0, 1, 2].map((i) => `http://127.0.0.1:${httpPort + i}`));
    expect(rows.map((row) => row.meshPort)).toEqual([0, 1, 2].map((i) => meshPort + i));
    for (const row of rows) {
      const others = rows.filter((other) => other !== row).map((other) => other.nodeId);
      expect(await connectedNodeIds(row)).toEqual(others.sort());
    }

    const children = childrenOf(demo.pid);
    nodePids.push(...children);
    expect(children).toHaveLength(3);
    const clusters = rows.map((row) => join(dataDir, row.name, 'postgres'));
    for (const cluster of clusters) expect(postmastersOf(cluster)).toHaveLength(1);

    demo.kill('SIGINT');
    expect(await demo.exit()).toEqual({ code: 0, signal: null });
    expect(demo.output).toContain('All nodes stopped.');
    expect(children.filter(alive)).toEqual([]);
    for (const cluster of clusters) expect(postmastersOf(cluster)).toEqual([]);
  }, 100_000);

  it('keeps IDs and tokens across runs, starts over with --fresh, and leaves no node behind when killed', async () => {
    const meshPort = await freePorts(3);
    const httpPort = await freePorts(3, meshPort);
    const args = [
      '--data-dir',
      await tempDataDir(),
      '--mesh-port',
      String(meshPort),
      '--http-port',
      String(httpPort),
    ];
    const first = new Demo(args);
    demos.push(first);
    const before = await first.table();
    const children = childrenOf(first.pid);
    nodePids.push(...children);
    expect(children).toHaveLength(3);

    // No chance to stop anything: each node notices its stdin pipe closing and stops itself.
    first.kill('SIGKILL');
    await until(() => children.every((pid) => !alive(pid)), EXIT_LIMIT_MS);
    for (const row of before) expect(postmastersOf(join(args[1]!, row.name, 'postgres'))).toEqual([]);

    const again = new Demo(args);
    demos.push(again);
    const after = await again.table();
    expect(after.map(({ nodeId, token }) => ({ nodeId, token }))).toEqual(
      before.map(({ nodeId, token }) => ({ nodeId, token })),
    );
    again.kill('SIGTERM');
    expect(await again.exit()).toEqual({ code: 0, signal: null });

    const fresh = new Demo([...args, '--fresh']);
    demos.push(fresh);
    const renewed = await fresh.table();
    for (const [i, row] of renewed.entries()) expect(row.nodeId).not.toBe(before[i]?.nodeId);
    fresh.kill('SIGINT');
    expect(await fresh.exit()).toEqual({ code: 0, signal: null });
  }, 100_000);
});

async function until(condition: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so within ${limitMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
