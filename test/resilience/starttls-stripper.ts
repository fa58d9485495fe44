import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { decodeBody, encodeBody } from '../../src/mesh/wire/body-codec.js';
import { frame, FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';

/** Which hellos the man in the middle rewrites to `encryption: 'none'`. */
export type Strip = 'none' | 'dialer' | 'acceptor' | 'both';

/**
 * A man in the middle on 127.0.0.1 that strips the STARTTLS offer: it rewrites the `encryption` of
 * the first frame (the hello) in the chosen directions to `none`, re-framed, and relays every other
 * byte as it is — also a TLS session, should both sides still start one.
 */
export class StartTlsStripper {
  private readonly sockets = new Set<Socket>();
  /** Hellos it rewrote, per direction. */
  readonly stripped = { dialer: 0, acceptor: 0 };

  private constructor(
    private readonly server: Server,
    private readonly strip: Strip,
  ) {}

  static async start(targetPort: number, strip: Strip): Promise<StartTlsStripper> {
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    const stripper = new StartTlsStripper(server, strip);
    server.on('connection', (client) => stripper.relay(client, targetPort));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return stripper;
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private relay(client: Socket, targetPort: number): void {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true, allowHalfOpen: true });
    this.pipe(client, upstream, this.strip === 'dialer' || this.strip === 'both' ? 'dialer' : undefined);
    this.pipe(upstream, client, this.strip === 'acceptor' || this.strip === 'both' ? 'acceptor' : undefined);
  }

  private pipe(from: Socket, to: Socket, rewrite: 'dialer' | 'acceptor' | undefined): void {
    this.sockets.add(from);
    const decoder = new FrameDecoder();
    let first = rewrite !== undefined;
    from.on('data', (chunk: Buffer) => {
      if (!first) return void to.write(chunk);
      const [hello, ...rest] = decoder.push(chunk);
      if (!hello) return; // the hello is not complete yet
      first = false;
      const value = decodeBody(hello) as Record<string, unknown>;
      const changed = { ...value, encryption: 'none' };
      if (rewrite) this.stripped[rewrite]++;
      // Whatever followed the hello in the same read goes on untouched.
      const after = Buffer.concat([
        ...rest.map(frame),
        decoder.pendingBytes > 0 ? remainder(chunk, decoder) : Buffer.alloc(0),
      ]);
      to.write(Buffer.concat([frame(encodeBody(changed)), after]));
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => {
      this.sockets.delete(from);
      to.destroy();
    });
  }
}

/** The bytes of `chunk` the decoder still holds (the start of a frame after the hello). */
function remainder(chunk: Buffer, decoder: FrameDecoder): Buffer {
  return chunk.subarray(chunk.length - decoder.pendingBytes);
}
