/** What a benchmark process tells the orchestrator over the IPC channel. */
export type WorkerReport =
  | { type: 'ready'; port: number; nodeId?: string }
  | { type: 'result'; result: unknown }
  | { type: 'failed'; message: string };

/** What the orchestrator tells a benchmark process. */
export type WorkerCommand =
  /** The sender has finished, after `count` messages or round trips (fewer at its time limit). */
  | { type: 'sender-done'; count: number }
  /** One step of a process driven through several (scale and discovery suites); each gets a `result`. */
  | { type: 'step'; step: unknown }
  /** Results are in: close sockets and exit. */
  | { type: 'stop' };

export function isWorkerReport(value: unknown): value is WorkerReport {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'result' || type === 'failed';
}

export function isWorkerCommand(value: unknown): value is WorkerCommand {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'sender-done' || type === 'step' || type === 'stop';
}
