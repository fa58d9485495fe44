import { type ChildProcess, fork } from 'node:child_process';
import { isWorkerReport, type WorkerCommand, type WorkerReport } from './worker-messages.js';

type ReportOf<T extends WorkerReport['type']> = Extract<WorkerReport, { type: T }>;

const STOP_LIMIT_MS = 10_000;

/** Every benchmark process still running, so that an interrupted run can kill them. */
const running = new Set<BenchProcess>();
let interrupted = false;

/** The orchestrator's handle on one benchmark process (sender or receiver). */
export class BenchProcess {
  private readonly reports: WorkerReport[] = [];
  private readonly waiters: Array<() => void> = [];
  private exit?: string;
  private readonly exited: Promise<void>;
  private readonly killer: NodeJS.Timeout;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    limitMs: number,
  ) {
    running.add(this);
    child.on('message', (message: unknown) => {
      if (isWorkerReport(message)) this.reports.push(message);
      this.wake();
    });
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exit = signal ? `killed by ${signal}` : `exited with ${code}`;
        clearTimeout(this.killer);
        running.delete(this);
        this.wake();
        done();
      }),
    );
    // The process has a watchdog of its own; this one also covers a process that hangs before it.
    this.killer = setTimeout(() => this.kill(), limitMs + STOP_LIMIT_MS);
  }

  /**
   * Forks a compiled benchmark script with its configuration as JSON argument; its output goes
   * to this process's stderr so that the table on stdout stays clean.
   * @param netns a network namespace to run it in: `ip netns exec` execs Node in place, so the PID
   *   and the IPC channel stay the child's own.
   */
  static start(
    name: string,
    script: string,
    config: { limitMs: number },
    execArgv: string[] = [],
    netns?: string,
  ): BenchProcess {
    if (interrupted) throw new Error('the benchmark was interrupted');
    const child = fork(script, [JSON.stringify(config)], {
      stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
      ...(netns === undefined
        ? { execArgv }
        : { execPath: 'ip', execArgv: ['netns', 'exec', netns, process.execPath, ...execArgv] }),
    });
    return new BenchProcess(name, child, config.limitMs);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static get interrupted(): boolean {
    return interrupted;
  }

  /** Kills every benchmark process still running and refuses to start new ones. */
  static interrupt(): void {
    interrupted = true;
    for (const bench of running) bench.kill();
  }

  /** The next report of this type; rejects when the process failed or exited first. */
  async next<T extends WorkerReport['type']>(type: T): Promise<ReportOf<T>> {
    for (;;) {
      const index = this.reports.findIndex((report) => report.type === type || report.type === 'failed');
      const report = index >= 0 ? this.reports.splice(index, 1)[0] : undefined;
      if (report?.type === 'failed') throw new Error(`${this.name} failed: ${report.message}`);
      if (report) return report as ReportOf<T>;
      if (this.exit !== undefined) throw new Error(`${this.name} ${this.exit} before reporting "${type}"`);
      await new Promise<void>((done) => this.waiters.push(done));
    }
  }

  command(command: WorkerCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  /** Asks the process to close and exit; kills it when it does not within 10 s. */
  async stop(): Promise<void> {
    if (this.exit !== undefined) return;
    this.command({ type: 'stop' });
    const timer = setTimeout(() => this.kill(), STOP_LIMIT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
