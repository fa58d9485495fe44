import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const START_LIMIT_MS = 90_000;
const STOP_LIMIT_MS = 30_000;
const API_LIMIT_MS = 30_000;
/** Run by `api` inside a namespace: one request from the env, its status and body text as JSON on stdout. */
const FETCH_SCRIPT = `
const { API_URL, API_METHOD, API_BODY, API_TOKEN } = process.env;
const headers = {};
if (API_TOKEN) headers.authorization = 'Bearer ' + API_TOKEN;
if (API_BODY) headers['content-type'] = 'application/json';
const response = await fetch(API_URL, { method: API_METHOD, headers, body: API_BODY || undefined });
process.stdout.write(JSON.stringify({ status: response.status, text: await response.text() }));
`;

export interface SpawnOptions {
  /** Network namespace to run the node in (`ip netns exec`), e.g. a host of `createLan`. */
  netns?: string;
}

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

/** Ports below the kernel's ephemeral range (32768 up): no `listen(0)` or outgoing connection takes them. */
const FIXED_PORTS = { from: 20_000, to: 32_000 };

/**
 * A port of 127.0.0.1 that refuses connections and stays so for the test: outside the range the
 * kernel hands out for port 0 and outgoing connections (a `freePort()` may be taken again by the
 * next node that asks for port 0); checked to refuse now.
 */
export async function closedPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from));
    const refused = await new Promise<boolean>((done) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), done(false)));
      socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error(`no closed port found in ${FIXED_PORTS.from}–${FIXED_PORTS.to} of 127.0.0.1`);
}

/** A fresh, empty DATA_DIR for one test node. */
export function tempDataDir(): Promise<string> {
  // Under the run's folder (jest's global setup), removed when the run ends.
  return mkdtemp(join(process.env.UCMESH_TEST_ROOT ?? tmpdir(), 'ucmesh-test-'));
}

/**
 * The built standalone node (`dist/main.js`) as a child process, as an operator runs it.
 * Loopback only and no LAN search: tests never send traffic off this machine.
 */
export class NodeProcess {
  private stdout = '';
  private stderr = '';
  private readonly exited: Promise<Exit>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly netns?: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  /** Spawns a node and waits until it is ready or has exited. */
  static async start(env: Record<string, string>, options: SpawnOptions = {}): Promise<NodeProcess> {
    const node = NodeProcess.spawn(env, options);
    await node.ready();
    return node;
  }

  /** Spawns a node without waiting, for tests of start-up failures. */
  static spawn(env: Record<string, string>, options: SpawnOptions = {}): NodeProcess {
    // `ip netns exec` execs the node in place: the child PID is the node's, signals reach it directly.
    const [file, args] =
      options.netns === undefined
        ? [process.execPath, [MAIN]]
        : ['ip', ['netns', 'exec', options.netns, process.execPath, MAIN]];
    const child = spawn(file, args, {
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
    return new NodeProcess(child, options.netns);
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

  /**
   * One request to the node's HTTP server; the body is parsed as JSON when it is JSON. A node in a
   * namespace listens on that namespace's loopback, so the request is made from inside it.
   */
  async api(
    path: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ): Promise<{ status: number; body: unknown }> {
    const request = {
      url: `${this.httpUrl}${path}`,
      method: init.method ?? 'GET',
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      token: init.token,
    };
    const { status, text } =
      this.netns === undefined ? await fetchText(request) : await fetchTextIn(this.netns, request);
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch {
      return { status, body: text };
    }
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

interface ApiRequest {
  url: string;
  method: string;
  body?: string;
  token?: string;
}

async function fetchText({
  url,
  method,
  body,
  token,
}: ApiRequest): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(API_LIMIT_MS) });
  return { status: response.status, text: await response.text() };
}

async function fetchTextIn(netns: string, request: ApiRequest): Promise<{ status: number; text: string }> {
  const { stdout } = await promisify(execFile)(
    'ip',
    ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', FETCH_SCRIPT],
    {
      env: {
        PATH: process.env.PATH,
        API_URL: request.url,
        API_METHOD: request.method,
        API_BODY: request.body ?? '',
        API_TOKEN: request.token ?? '',
      },
      timeout: API_LIMIT_MS,
    },
  );
  return JSON.parse(stdout) as { status: number; text: string };
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
