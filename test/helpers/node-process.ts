import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const START_LIMIT_MS = 90_000;
const STOP_LIMIT_MS = 30_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A TCP port free on 127.0.0.1 right now, for a node that must keep its port across restarts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** A fresh, empty DATA_DIR for one test node. */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ucmesh-test-'));
}

/**
 * The built standalone node (`dist/main.js`) as a child process, as an operator runs it.
 * Loopback only and no LAN search: tests never send traffic off this machine.
 */
export class NodeProcess {
  private stdout = '';
  private stderr = '';
  private readonly exited: Promise<Exit>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  /** Spawns a node and waits until it is ready or has exited. */
  static async start(env: Record<string, string>): Promise<NodeProcess> {
    const node = NodeProcess.spawn(env);
    await node.ready();
    return node;
  }

  /** Spawns a node without waiting, for tests of start-up failures. */
  static spawn(env: Record<string, string>): NodeProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        HTTP_PORT: '0',
        MESH_PORT: '0',
        MESH_BIND: '127.0.0.1',
        MESH_DISCOVERY: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeProcess(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('node process has no PID');
    return this.child.pid;
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  /** Base URL of the admin HTTP server, from the start banner. */
  get httpUrl(): string {
    return this.banner(/admin: (http:\/\/[^/\s]+)\/admin/);
  }

  get nodeId(): string {
    return this.banner(/node ([0-9a-f-]{36}) ready/);
  }

  get adminToken(): string {
    return this.banner(/admin token: (\S+) \(stored in/);
  }

  async health(): Promise<{
    status: number;
    body: { status: string; details: Record<string, { status: string }> };
  }> {
    const response = await fetch(`${this.httpUrl}/health`);
    return { status: response.status, body: (await response.json()) as never };
  }

  /** Waits (bounded) until `pattern` has appeared `count` times in the output. */
  async untilOutput(pattern: RegExp, count = 1, limitMs = 30_000): Promise<void> {
    const global = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
    );
    const deadline = Date.now() + limitMs;
    while ((this.output.match(global) ?? []).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`"${pattern.source}" not seen ${count} times within ${limitMs} ms:\n${this.output}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Sends a signal without waiting (SIGSTOP, SIGCONT, …). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit once the process has ended. */
  exit(limitMs = STOP_LIMIT_MS): Promise<Exit> {
    return withLimit(this.exited, limitMs, () => `node did not exit within ${limitMs} ms:\n${this.output}`);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    this.child.kill(signal);
    return this.exit();
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + START_LIMIT_MS;
    while (!/admin token: /.test(this.stdout)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`node exited during start:\n${this.output}`);
      }
      if (Date.now() > deadline) {
        this.child.kill('SIGKILL');
        throw new Error(`node not ready within ${START_LIMIT_MS} ms:\n${this.output}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  private banner(pattern: RegExp): string {
    const value = pattern.exec(this.stdout)?.[1];
    if (value === undefined) throw new Error(`start banner lacks ${String(pattern)}:\n${this.output}`);
    return value;
  }
}

async function withLimit<T>(promise: Promise<T>, limitMs: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(message())), limitMs);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}
