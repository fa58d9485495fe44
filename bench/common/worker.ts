import { isWorkerCommand, type WorkerReport } from './worker-messages.js';

/** The benchmark process's side of the IPC channel to the orchestrator. */
export class WorkerChannel<Config> {
  /** Parsed from the first argument, a JSON object written by the orchestrator. */
  readonly config: Config;
  /** Settles when the orchestrator sends `stop`. */
  readonly stopped: Promise<void>;
  private onSenderDone?: (count: number) => void;
  private onStep?: (step: unknown) => void;

  constructor() {
    const raw = process.argv[2];
    if (raw === undefined) throw new Error('a benchmark process needs its configuration as JSON argument');
    this.config = JSON.parse(raw) as Config;
    let stop!: () => void;
    this.stopped = new Promise((done) => (stop = done));
    process.on('message', (message: unknown) => {
      if (!isWorkerCommand(message)) return;
      if (message.type === 'stop') stop();
      else if (message.type === 'step') this.onStep?.(message.step);
      else this.onSenderDone?.(message.count);
    });
  }

  /** Called when the orchestrator reports that the sender has finished. */
  whenSenderDone(handler: (count: number) => void): void {
    this.onSenderDone = handler;
  }

  /** Called with every `step` the orchestrator sends. */
  whenStep(handler: (step: unknown) => void): void {
    this.onStep = handler;
  }

  report(message: WorkerReport): Promise<void> {
    return new Promise((done, fail) => {
      if (!process.send) return fail(new Error('not started by the benchmark orchestrator (no IPC channel)'));
      process.send(message, undefined, {}, (error: Error | null) => (error ? fail(error) : done()));
    });
  }
}

/**
 * Runs a benchmark process: `main` reports `ready` and `result` and returns after `stop`. The
 * process exits by itself in every case: when `main` settles, when the orchestrator goes away,
 * and at the latest after `limitMs`.
 */
export function runWorker<Config extends { limitMs: number }>(
  main: (channel: WorkerChannel<Config>) => Promise<void>,
): void {
  const channel = new WorkerChannel<Config>();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench worker ${process.pid}: time limit of ${channel.config.limitMs} ms reached\n`);
    process.exit(2);
  }, channel.config.limitMs);
  watchdog.unref();
  process.on('disconnect', () => process.exit(3));
  main(channel).then(
    () => process.exit(0),
    async (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await channel.report({ type: 'failed', message }).catch(() => undefined);
      process.exit(1);
    },
  );
}
