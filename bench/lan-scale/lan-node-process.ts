import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The standalone node, built by `npx nest build`: `.build/bench/bench/lan-scale/` is four levels down. */
export const NODE_MAIN = join(import.meta.dirname, '..', '..', '..', '..', 'dist', 'main.js');
/** The standalone node with a presence feature (presence-node.ts), built beside this file. */
export const PRESENCE_NODE_MAIN = join(import.meta.dirname, 'presence-node.js');
const START_LIMIT_MS = 600_000;
const STOP_LIMIT_MS = 25_000;
/** Lines of output kept for the error message of a node that failed. */
const KEPT_LINES = 40;

export function checkNodeBuilt(): void {
  if (!existsSync(NODE_MAIN))
    throw new Error(`${NODE_MAIN} is missing: build the node first (npx nest build)`);
}

/**
 * One standalone node (`dist/main.js`) in a network namespace, as an operator runs it there:
 * `ip netns exec` execs Node in place, so the PID is the node's and signals reach it directly.
 */
export class LanNodeProcess {
  private readonly lines: string[] = [];
  private partial = '';
  private exitText?: string;
  private readonly exited: Promise<void>;
  /** Epoch ms of the start banner (`admin token: …`), once seen. */
  readyAt?: number;
  nodeId = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly startedAt: number,
  ) {
    const take = (chunk: Buffer) => this.take(chunk.toString());
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exitText = signal ? `killed by ${signal}` : `exited with ${code}`;
        done();
      }),
    );
  }

  /**
   * @param nodeArgs options of Node itself, before the script (`--cpu-prof`, …).
   * @param script NODE_MAIN or PRESENCE_NODE_MAIN.
   */
  static spawn(
    name: string,
    namespace: string,
    env: Record<string, string>,
    nodeArgs: readonly string[] = [],
    script = NODE_MAIN,
  ): LanNodeProcess {
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, ...nodeArgs, script], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LanNodeProcess(name, child, Date.now());
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.exitText === undefined;
  }

  /** The last lines of its output, for error messages. */
  get tail(): string {
    return [...this.lines, this.partial].join('\n');
  }

  /** Waits (bounded) for the start banner; fails with the node's output if it exits first. */
  async ready(limitMs = START_LIMIT_MS): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (this.readyAt === undefined) {
      if (!this.running) throw new Error(`${this.name} ${this.exitText} during start:\n${this.tail}`);
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`${this.name} not ready within ${limitMs} ms:\n${this.tail}`);
      }
      await new Promise((done) => setTimeout(done, 25));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 25 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), STOP_LIMIT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (this.readyAt === undefined) {
        const id = /node ([0-9a-f-]{36}) ready/.exec(line)?.[1];
        if (id) this.nodeId = id;
        if (line.includes('admin token: ')) this.readyAt = Date.now();
      }
      this.lines.push(line);
      if (this.lines.length > KEPT_LINES) this.lines.shift();
    }
  }
}
