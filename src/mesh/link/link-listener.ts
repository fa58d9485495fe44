import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '../../common/describe-error.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { encodeFrame } from '../wire/body-codec.js';
import { ConnectionManager } from './connection-manager.js';
import { FailureRateLimiter } from '../../common/failure-rate-limiter.js';
import { HandshakeFailure } from './handshake-driver.js';
import { LinkEndpoint } from './link-endpoint.js';
import { linkHint } from './link-hints.js';
import { LinkFailure } from './link-reason.js';
import { SocketSet } from './socket-set.js';

/** Handshakes one address may have in progress at once. */
const MAX_PENDING_PER_ADDRESS = 8;
/**
 * Connections the kernel queues until the node accepts them (capped by net.core.somaxconn). Node's
 * default of 511 overflows in a flood of a few thousand connections: the kernel then drops SYNs,
 * and a real peer dialling at that moment waits for its SYN to be sent again (1 s, 3 s, 7 s, …).
 * The node accepts fast and refuses the excess itself, so a deep queue is cheap.
 */
const LISTEN_BACKLOG = 4096;
/** A refused socket gets this long to take its error frame, then it is cut. */
const REFUSAL_LINGER_MS = 1000;
/** Reasons that count against an address for rate limiting: someone guessing or fuzzing. */
const SUSPICIOUS = new Set(['mesh-id-mismatch', 'password-mismatch', 'protocol-error', 'timeout']);

/**
 * The accepting side of the clients network interface: its own TCP server (unless the host owns
 * the port and hands over mesh connections), caps on handshakes in progress, per address and in
 * all, and a rate limit on addresses that keep failing.
 */
@Injectable()
export class LinkListener {
  private readonly logger = new Logger('LinkService');
  private readonly limiter = new FailureRateLimiter();
  private readonly pendingByAddress = new Map<string, number>();
  private pending = 0;
  private server?: Server;

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly endpoint: LinkEndpoint,
    private readonly connections: ConnectionManager,
    private readonly sockets: SocketSet,
    private readonly bus: MeshEventBus,
  ) {}

  /** Whether this node's own server accepts connections. */
  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** Inbound connections in their handshake now; never more than `maxPendingHandshakes`. */
  get handshakesInProgress(): number {
    return this.pending;
  }

  /** Opens the clients network interface, or with `listen: false` leaves the port to the host. */
  async start(): Promise<void> {
    if (!this.config.listen) {
      this.logger.log(`clients network interface owned by the application (port ${this.config.port})`);
      return this.endpoint.listening();
    }
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen({ port: this.config.port, host: this.config.bind, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', fail);
        done();
      });
    });
    server.on('error', (error) => this.logger.error(`clients network interface: ${error.message}`));
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.endpoint.listening(port);
    this.logger.log(`clients network interface on ${this.config.bind}:${port} (${this.config.encryption})`);
  }

  /** Stops accepting; resolves when the server has closed (its connections are closed elsewhere). */
  close(): Promise<void> {
    const server = this.server;
    return new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  }

  /**
   * Runs the handshake on an accepted connection. `head`: bytes the host has already read from it
   * (see `isMeshHello`); they are read again first.
   */
  accept(socket: Socket, head?: Uint8Array): void {
    const address = socket.remoteAddress;
    this.sockets.track(socket);
    if (address === undefined) return void socket.destroy(); // reset before it was accepted
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    if (
      this.limiter.blocked(address) ||
      fromAddress >= MAX_PENDING_PER_ADDRESS ||
      this.pending >= this.config.maxPendingHandshakes
    ) {
      const message = 'too many failed or pending handshakes from this address; try again later';
      socket.end(encodeFrame({ t: 'error', reason: 'rate-limited', message }));
      setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
      return;
    }
    if (head && head.length > 0) socket.unshift(Buffer.from(head));
    this.pending++;
    this.pendingByAddress.set(address, fromAddress + 1);
    this.endpoint
      .handshake(socket, 'acceptor')
      .then((authenticated) => this.connections.adopt(authenticated, 'inbound'))
      .catch((error: unknown) => this.failed(address, error))
      .finally(() => {
        this.pending--;
        const left = (this.pendingByAddress.get(address) ?? 1) - 1;
        if (left > 0) this.pendingByAddress.set(address, left);
        else this.pendingByAddress.delete(address);
      });
  }

  private failed(address: string, error: unknown): void {
    if (!(error instanceof LinkFailure)) {
      this.logger.error(`inbound link from ${address} failed`, describeError(error));
      return;
    }
    if (error.reason === 'duplicate') return;
    if (SUSPICIOUS.has(error.reason)) this.limiter.record(address);
    const refused = error instanceof HandshakeFailure && error.refused;
    this.logger.warn(
      `inbound link from ${address} ${refused ? 'refused' : 'failed'}: ${error.reason} — ${error.message} (${linkHint(error.reason)})`,
    );
    this.bus.emit('mesh.link.error', {
      remoteAddress: address,
      direction: 'inbound',
      reason: error.reason,
      message: error.message,
    });
  }
}
