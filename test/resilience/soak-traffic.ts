import { createPrivateKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text.js';

/** A vendor key made for this run and a token signed with it: more links than the evaluation's 2. */
export async function soakLicense(
  connections: number,
  validForMs: number,
): Promise<{ token: string; publicKey: string }> {
  const vendor = generateVendorKeys();
  const token = await issueLicenseToken(createPrivateKey(vendor.privateKey), {
    licensee: 'UC Mesh soak test',
    connections,
    validForMs,
  });
  return { token, publicKey: vendor.publicKey };
}

/** Frames a node has received over its mesh links since it started (its `/metrics`). */
export async function framesIn(node: NodeProcess): Promise<number> {
  const answer = await node.api('/metrics');
  if (answer.status !== 200 || typeof answer.body !== 'string') throw new Error(`/metrics: ${answer.status}`);
  const frames = sampleSum(parsePrometheusText(answer.body), 'ucmesh_link_messages_total', {
    direction: 'in',
  });
  if (frames === undefined) throw new Error('/metrics lacks ucmesh_link_messages_total');
  return frames;
}

export interface TrafficPlan {
  /** `calldata.pull` requests per second to each node, one in flight at a time. */
  requestsPerSecond: number;
  /** One-way `mesh.members` messages per second to each node. */
  messagesPerSecond: number;
  /** The traffic ends here at the latest even if never stopped; that counts as a failure. */
  limitMs: number;
  /** Whether a replicated field is one the soak wrote: `call` got `field` = `value`. */
  isWrite: (call: string, field: string, value: unknown) => boolean;
}

/** What the traffic to one node carried, and what went wrong. */
export interface StreamReport {
  nodeId: string;
  /** Pull requests answered, each answer checked. */
  answered: number;
  /** One-way messages handed to the link. */
  messages: number;
  /** Request and message slots that had come when the traffic was stopped (rate × duration). */
  due: { requests: number; messages: number };
  /** When the last request of the paced traffic was answered (ms since the epoch). */
  lastAnsweredAt: number;
  maxLatencyMs: number;
  /** Changes received, the final catch-up after `stop` included. */
  changes: number;
  /** The calls as the changes received build them up, per field. */
  calls: Map<string, { fields: Record<string, string> }>;
  failures: string[];
}

const REQUEST_TIMEOUT_MS = 5000;
/** Pages of the final catch-up at most: the soak's changes fit in a few. */
const DRAIN_PAGES = 100;
/** Failures kept for the message; all are counted. */
const KEPT_FAILURES = 20;

/**
 * Steady application traffic from `from` over its links to each of `to`: CallData catch-up
 * requests (`calldata.pull`) that follow each node's replication log as a replica would, every
 * answer checked (shape, origins, sequence numbers, the soak's own writes), and one-way member
 * lists (`mesh.members`: the other nodes, which they know already). `stop` ends it, then catches up
 * once more, so the changes received can be held against everything written.
 */
export function meshTraffic(from: MeshNode, to: string[], plan: TrafficPlan) {
  const streams = to.map((nodeId) => new NodeStream(from, nodeId, new Set(to), plan));
  return {
    async stop(): Promise<StreamReport[]> {
      return Promise.all(streams.map((stream) => stream.stop()));
    },
  };
}

class NodeStream {
  private stopped = false;
  private readonly startedAt = Date.now();
  private stoppedAt = 0;
  private readonly have: Record<string, number> = {};
  private readonly seen = new Map<string, Set<number>>();
  private readonly report: StreamReport;
  private failureCount = 0;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly from: MeshNode,
    nodeId: string,
    private readonly origins: Set<string>,
    private readonly plan: TrafficPlan,
  ) {
    this.report = {
      nodeId,
      answered: 0,
      messages: 0,
      due: { requests: 0, messages: 0 },
      lastAnsweredAt: 0,
      maxLatencyMs: 0,
      changes: 0,
      calls: new Map(),
      failures: [],
    };
    this.loops = [
      this.paced('requests', plan.requestsPerSecond, async () => {
        await this.pull();
        this.report.answered++;
        this.report.lastAnsweredAt = Date.now();
      }),
      this.paced('messages', plan.messagesPerSecond, async () => {
        await from.link.send(nodeId, 'mesh.members', this.members());
        this.report.messages++;
      }),
    ];
  }

  async stop(): Promise<StreamReport> {
    this.stopped = true;
    this.stoppedAt = Date.now();
    await Promise.all(this.loops);
    const slots = (rate: number) => Math.floor(((this.stoppedAt - this.startedAt) * rate) / 1000) + 1;
    this.report.due = {
      requests: slots(this.plan.requestsPerSecond),
      messages: slots(this.plan.messagesPerSecond),
    };
    try {
      let more = true;
      for (let page = 0; more && page < DRAIN_PAGES; page++) more = await this.pull();
      if (more) this.fail(`still more changes after ${DRAIN_PAGES} pages of the final catch-up`);
    } catch (error: unknown) {
      this.fail(`final catch-up: ${message(error)}`);
    }
    for (const [origin, through] of Object.entries(this.have)) {
      const seqs = this.seen.get(origin) ?? new Set();
      const missing = Array.from({ length: through }, (_, i) => i + 1).filter((seq) => !seqs.has(seq));
      if (missing.length > 0)
        this.fail(`origin ${origin}: through ${through} but missing ${missing.slice(0, 5).join(', ')}`);
    }
    if (this.failureCount > KEPT_FAILURES)
      this.report.failures.push(`… ${this.failureCount} failures in all`);
    return this.report;
  }

  /** Runs `act` at `rate` per second, each call in its slot (a late one at once, none skipped). */
  private async paced(what: string, rate: number, act: () => Promise<void>): Promise<void> {
    const deadline = this.startedAt + this.plan.limitMs;
    const slots = Math.ceil((rate * this.plan.limitMs) / 1000);
    for (let i = 0; i < slots; i++) {
      const at = this.startedAt + (i * 1000) / rate;
      if (at > deadline) break;
      await sleep(Math.max(0, at - Date.now()));
      if (this.stopped) return;
      await act().catch((error: unknown) => this.fail(`${what} ${i}: ${message(error)}`));
    }
    // Traffic that ended before the test stopped it has not covered the rest of the soak.
    if (!this.stopped) this.fail(`${what} ended at their limit of ${this.plan.limitMs} ms`);
  }

  /** One catch-up request from where the answers so far got to; answers whether there is more. */
  private async pull(): Promise<boolean> {
    const sentAt = Date.now();
    const answer = await this.from.link.request(
      this.report.nodeId,
      'calldata.pull',
      { have: { ...this.have } },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );
    this.report.maxLatencyMs = Math.max(this.report.maxLatencyMs, Date.now() - sentAt);
    return this.take(answer);
  }

  /** Checks a pull answer against what was asked and written, and takes it in. */
  private take(answer: unknown): boolean {
    const { changes, through, more } = (answer ?? {}) as Record<string, unknown>;
    if (
      !Array.isArray(changes) ||
      typeof through !== 'object' ||
      through === null ||
      typeof more !== 'boolean'
    ) {
      throw new Error(`not a pull answer: ${JSON.stringify(answer).slice(0, 200)}`);
    }
    for (const change of changes as unknown[]) {
      if (!Array.isArray(change) || change.length !== 5)
        throw new Error(`not a change: ${JSON.stringify(change)}`);
      const [origin, seq, call, stamp, fields] = change as unknown[];
      if (typeof origin !== 'string' || !this.origins.has(origin))
        throw new Error(`origin ${String(origin)}`);
      // Never anything the request said it has.
      if (!Number.isSafeInteger(seq) || (seq as number) <= (this.have[origin] ?? 0)) {
        throw new Error(`seq ${String(seq)} of ${origin}, asked after ${this.have[origin] ?? 0}`);
      }
      if (typeof call !== 'string' || typeof stamp !== 'string' || !/^\d+$/.test(stamp)) {
        throw new Error(`bad change ${JSON.stringify(change)}`);
      }
      if (typeof fields !== 'object' || fields === null || Object.keys(fields).length === 0) {
        throw new Error(`change without fields ${JSON.stringify(change)}`);
      }
      for (const [field, value] of Object.entries(fields)) {
        if (!this.plan.isWrite(call, field, value))
          throw new Error(`not a soak write ${JSON.stringify(change)}`);
        const known = this.report.calls.get(call) ?? { fields: {} };
        if (known.fields[field] !== undefined && known.fields[field] !== value) {
          throw new Error(`${call}.${field} is ${JSON.stringify(value)}, before ${known.fields[field]}`);
        }
        known.fields[field] = value as string;
        this.report.calls.set(call, known);
      }
      const seqs = this.seen.get(origin) ?? new Set<number>();
      this.seen.set(origin, seqs.add(seq as number));
      this.report.changes++;
    }
    for (const [origin, seq] of Object.entries(through)) {
      if (
        !this.origins.has(origin) ||
        !Number.isSafeInteger(seq) ||
        (seq as number) < (this.have[origin] ?? 0)
      ) {
        throw new Error(`through ${origin}: ${String(seq)}, asked after ${this.have[origin] ?? 0}`);
      }
      this.have[origin] = seq as number;
    }
    return more;
  }

  /** The nodes linked to `from` other than the receiver: a member list that changes nothing. */
  private members(): Array<{ nodeId: string; host: string; port: number }> {
    return this.from.link
      .linkedNodes()
      .filter((node) => node.nodeId !== this.report.nodeId)
      .map(({ nodeId, host, port }) => ({ nodeId, host, port }));
  }

  private fail(what: string): void {
    if (++this.failureCount <= KEPT_FAILURES) this.report.failures.push(what);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
