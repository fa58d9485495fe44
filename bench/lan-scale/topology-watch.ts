// The probe's open `GET /api/mesh/events` streams, one per node: each `mesh.topology` event is
// time-stamped when its last bytes arrive, so the arrival of a change is timed without polling.
import type { MeshTopology, TopologyLink } from '../../src/mesh/topology/mesh-topology.js';

/** A `mesh.topology` event as it arrived at the probe. */
export interface TopologyEvent {
  /** Epoch ms at which its last chunk was read. */
  at: number;
  topology: MeshTopology;
  /** Characters of its `data`. */
  bytes: number;
}

type Waiter = (event: TopologyEvent | undefined) => void;

/** One node's event stream; read in the background until `close()` or its time limit. */
class TopologyStream {
  events = 0;
  problem?: string;
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  private constructor(
    readonly base: string,
    private readonly controller: AbortController,
  ) {}

  static async open(base: string, token: string, limitMs: number): Promise<TopologyStream> {
    const controller = new AbortController();
    const stream = new TopologyStream(base, controller);
    const response = await fetch(`${base}/api/mesh/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(limitMs)]),
    });
    if (response.status !== 200 || !response.body) {
      controller.abort();
      throw new Error(`GET ${base}/api/mesh/events answered ${response.status}`);
    }
    void stream.read(response.body);
    return stream;
  }

  /**
   * The first event from now on whose topology satisfies `wanted`; undefined when none came within
   * `limitMs` or the stream ended. Registered at once: call it before causing the change.
   */
  next(wanted: (topology: MeshTopology) => boolean, limitMs: number): Promise<TopologyEvent | undefined> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(undefined);
      const timer = setTimeout(() => finish(undefined), limitMs);
      const finish: Waiter = (event) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(event);
      };
      const check: Waiter = (event) => {
        if (!event || wanted(event.topology)) finish(event);
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
    for (const waiter of [...this.waiters]) waiter(undefined);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        const at = Date.now();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.take(block, at);
        }
      }
      if (!this.closed) this.problem = 'the stream ended';
    } catch (error: unknown) {
      if (!this.closed)
        this.problem = `the stream failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      await reader.cancel().catch(() => undefined);
      this.closed = true;
      for (const waiter of [...this.waiters]) waiter(undefined);
    }
  }

  /** One SSE block: `event:` and `data:` lines (the data of several lines joined by newlines). */
  private take(block: string, at: number): void {
    let type = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (type !== 'mesh.topology' || data.length === 0) return;
    // Parsed after the I/O at hand: the chunks of other streams that arrived meanwhile get their
    // time stamps first (at 32 nodes an event is some 100 KB of JSON, sent to 30 streams at once).
    setImmediate(() => this.deliver(data.join('\n'), at));
  }

  private deliver(text: string, at: number): void {
    let topology: MeshTopology;
    try {
      topology = JSON.parse(text) as MeshTopology;
    } catch {
      this.problem = `a mesh.topology event that is not JSON: ${text.slice(0, 100)}`;
      return;
    }
    this.events++;
    const event = { at, topology, bytes: text.length };
    for (const waiter of [...this.waiters]) waiter(event);
  }
}

/** The streams of several nodes, by the base URL of each node's admin API. */
export class TopologyWatch {
  private readonly streams = new Map<string, TopologyStream>();

  /** Opens a stream to each of `bases` not watched yet; all or none (a failure closes the new ones). */
  async open(bases: string[], token: string, limitMs: number): Promise<number> {
    const opened = await Promise.allSettled(
      bases
        .filter((base) => !this.streams.has(base))
        .map((base) => TopologyStream.open(base, token, limitMs)),
    );
    const failed = opened.find((result) => result.status === 'rejected');
    for (const result of opened) {
      if (result.status !== 'fulfilled') continue;
      if (failed) result.value.close();
      else this.streams.set(result.value.base, result.value);
    }
    if (failed) throw failed.reason;
    return this.streams.size;
  }

  stream(base: string): TopologyStream {
    const stream = this.streams.get(base);
    if (!stream) throw new Error(`no event stream open to ${base}`);
    return stream;
  }

  /** Closes every stream; how many were open. */
  close(): number {
    const count = this.streams.size;
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
    return count;
  }
}

/** The link between nodes `a` and `b` in a topology, in either order. */
export function linkBetween(topology: MeshTopology, a: string, b: string): TopologyLink | undefined {
  return topology.links.find((link) => (link.a === a && link.b === b) || (link.a === b && link.b === a));
}
