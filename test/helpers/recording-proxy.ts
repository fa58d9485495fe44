import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** Which way a chunk goes: from the dialling side to the target, or back. */
export type Direction = 'toTarget' | 'fromTarget';

/**
 * What a man in the middle does to each chunk of one connection: the bytes to pass on instead
 * (empty: nothing yet), or 'cut' to break the connection on both sides. Made per connection, so
 * it may keep state (a frame decoder, say).
 */
export type ChunkRewrite = (chunk: Buffer, direction: Direction) => Buffer | 'cut';

/**
 * A TCP proxy on 127.0.0.1 that forwards every connection to a target and keeps every byte it
 * receives in both directions, so a test can look at what two nodes really sent each other; with
 * `rewrite`, a man in the middle that changes or cuts what passes. A connection closed on one side
 * is closed on the other, as a direct link would be.
 */
export class RecordingProxy {
  /** Bytes from the dialling side to the target, in arrival order (all connections). */
  private readonly toTarget: Buffer[] = [];
  /** Bytes from the target back to the dialling side. */
  private readonly fromTarget: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly rewrite: () => ChunkRewrite | undefined,
  ) {}

  /** Listens on a free loopback port and forwards to 127.0.0.1:`targetPort`. */
  static async start(
    targetPort: number,
    rewrite: () => ChunkRewrite | undefined = () => undefined,
  ): Promise<RecordingProxy> {
    // Half-open allowed: each direction ends on its own, so no goodbye frame is cut off.
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    const proxy = new RecordingProxy(server, rewrite);
    server.on('connection', (client) => proxy.forward(client, targetPort));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', fail);
        done();
      });
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Where a node dials to go through the proxy. */
  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  /** Everything forwarded so far in both directions, each direction in order. */
  bytes(): { toTarget: Buffer; fromTarget: Buffer } {
    return { toTarget: Buffer.concat(this.toTarget), fromTarget: Buffer.concat(this.fromTarget) };
  }

  /** Times `text` (UTF-8) occurs in the bytes of either direction. */
  count(text: string): { toTarget: number; fromTarget: number } {
    const { toTarget, fromTarget } = this.bytes();
    return { toTarget: occurrences(toTarget, text), fromTarget: occurrences(fromTarget, text) };
  }

  /** Stops listening and closes every open connection; the recording stays readable. */
  async close(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private forward(client: Socket, port: number): void {
    this.accepted++;
    const target = connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
    const rewrite = this.rewrite();
    for (const [from, to, direction] of [
      [client, target, 'toTarget'],
      [target, client, 'fromTarget'],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        this[direction].push(Buffer.from(chunk));
        const passed = rewrite ? rewrite(chunk, direction) : chunk;
        if (passed === 'cut') {
          client.destroy();
          target.destroy();
          return;
        }
        // Backpressure: a slow reader slows the writer down instead of filling memory.
        if (!to.write(passed)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      // A half-close passes on; a reset or an error ends both sides, as on a direct link.
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', (hadError) => {
        this.sockets.delete(from);
        if (hadError) to.destroy();
      });
    }
  }
}

function occurrences(haystack: Buffer, text: string): number {
  const needle = Buffer.from(text, 'utf8');
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    count++;
  }
  return count;
}
