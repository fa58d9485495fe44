import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkStatus } from '../../src/mesh/link/link-status.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { until } from '../helpers/until.js';

/**
 * Reads `GET /api/mesh/events` and prints one JSON line `{type, data}` per event. A child process
 * so that it can run inside a namespace, where a node's HTTP server is on that namespace's loopback.
 */
const STREAM_SCRIPT = `
const response = await fetch(process.env.EVENTS_URL, { headers: { authorization: 'Bearer ' + process.env.EVENTS_TOKEN } });
process.stdout.write(JSON.stringify({ type: 'open', data: response.status }) + '\\n');
let buffer = '';
for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\\n\\n')) >= 0) {
    const event = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const type = /^event: (.*)$/m.exec(event)?.[1];
    const data = event.split('\\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\\n');
    if (type) process.stdout.write(JSON.stringify({ type, data: JSON.parse(data) }) + '\\n');
  }
}
`;
const OPEN_LIMIT_MS = 15_000;

/**
 * Every status a node reported for its node list entries while the test ran, from the node's own
 * event stream: a status the API showed for a moment only (a `timeout` before the redial's
 * `unreachable`) is not missed the way polling would miss it.
 */
export class StatusHistory {
  private readonly statuses: Array<{ nodeId: string | null; status: LinkStatus }> = [];
  private buffer = '';
  private opened?: number;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk.toString()));
  }

  /** Starts recording `node`'s events; `netns` is the namespace the node runs in, if any. */
  static async record(node: NodeProcess, netns?: string): Promise<StatusHistory> {
    const args = [process.execPath, '--input-type=module', '-e', STREAM_SCRIPT];
    const [file, ...rest] = netns === undefined ? args : ['ip', 'netns', 'exec', netns, ...args];
    const child = spawn(file!, rest, {
      env: {
        PATH: process.env.PATH,
        EVENTS_URL: `${node.httpUrl}/api/mesh/events`,
        EVENTS_TOKEN: node.adminToken,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const history = new StatusHistory(child);
    const deadline = Date.now() + OPEN_LIMIT_MS;
    while (history.opened === undefined) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the event stream of ${node.nodeId} did not open`);
      }
      await sleep(50);
    }
    if (history.opened !== 200) throw new Error(`GET /api/mesh/events answered ${history.opened}`);
    return history;
  }

  /** The statuses reported for `nodeId`, oldest first. */
  of(nodeId: string): LinkStatus[] {
    return this.statuses.filter((entry) => entry.nodeId === nodeId).map((entry) => entry.status);
  }

  /** Waits (bounded) until the statuses reported for `nodeId` satisfy `done`; answers them. */
  until(nodeId: string, done: (statuses: LinkStatus[]) => boolean, limitMs = 15_000): Promise<LinkStatus[]> {
    return until(
      `statuses of ${nodeId} as expected`,
      () => {
        const statuses = this.of(nodeId);
        // Thrown, not answered: the statuses seen end up in the failure message, short enough
        // to be read whole in a CI log.
        if (!done(statuses)) return Promise.reject(new Error(statuses.map(brief).join(' ')));
        return Promise.resolve(statuses);
      },
      limitMs,
    );
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }

  private read(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      const event = JSON.parse(line) as { type: string; data: unknown };
      if (event.type === 'open') this.opened = event.data as number;
      if (event.type === 'node.updated' || event.type === 'node.added') {
        const view = event.data as MeshNodeView;
        this.statuses.push({ nodeId: view.nodeId, status: view.status });
      }
    }
  }
}

/** `state/reason` of a status, e.g. `error/shutdown`. */
function brief(status: LinkStatus): string {
  return status.reason === undefined ? status.state : `${status.state}/${status.reason}`;
}

/**
 * A link that failed because the peer fell silent for the liveness bound (the link's own check),
 * not a redial whose handshake timed out.
 */
export function isLivenessTimeout(status: LinkStatus): boolean {
  return (
    status.reason === 'timeout' && /^no sign of life from the peer for \d+ ms$/.test(status.message ?? '')
  );
}

/** Whether a status with `reason` was reported, and a `connected` one after it. */
export function connectedAfter(statuses: LinkStatus[], reason: string): boolean {
  const failed = statuses.findIndex((s) => s.reason === reason);
  return failed >= 0 && statuses.slice(failed).some((s) => s.state === 'connected');
}
