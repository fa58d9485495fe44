import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** PostgreSQL's CommandComplete message for a COMMIT: 'C', int32 length 11, "COMMIT\0". */
const COMMIT_COMPLETE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from('COMMIT\0', 'latin1')]);

/**
 * A TCP proxy between a node and its PostgreSQL server that, once armed, breaks the connection at
 * the worst moment: the server has committed a transaction and answered, and the answer is
 * dropped. The node then holds a failed write that is in fact stored — what a network fault or a
 * database crash right after a commit leaves behind.
 */
export class CommitCuttingProxy {
  private armed = false;
  /** Commits whose answer was dropped so far. */
  cuts = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<CommitCuttingProxy> {
    const server = createServer({ noDelay: true });
    const proxy = new CommitCuttingProxy(server);
    server.on('connection', (client) => proxy.forward(client, targetPort));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next COMMIT answer is dropped and its connection closed on both sides. */
  cutNextCommit(): void {
    this.armed = true;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private forward(client: Socket, targetPort: number): void {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // Either side failing ends the pair, as a direct connection would end.
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.armed && chunk.includes(COMMIT_COMPLETE)) {
        this.armed = false;
        this.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
