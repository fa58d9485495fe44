import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { type PeerClock, peerClock } from '../clock/peer-clock.js';
import type { Hello } from '../handshake/handshake-messages.js';
import type { MeshKey } from '../handshake/mesh-key.js';
import { Handshake, type LocalHello } from '../handshake/handshake.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { MESH_MODULE_OPTIONS, type MeshModuleOptions } from '../mesh-module.options.js';
import { SOFTWARE_VERSION } from '../software-version.js';
import { loadOrCreateTlsMaterial } from '../tls/tls-material.js';
import { encodeFrame } from '../wire/body-codec.js';
import { FailureRateLimiter } from './failure-rate-limiter.js';
import { LINK_DEFAULTS } from './link-defaults.js';
import {
  driveHandshake,
  type EstablishedConnection,
  HandshakeFailure,
  socketFailure,
} from './handshake-driver.js';
import { encodeLinkFrame } from './link-frames.js';
import { LinkFailure, type LinkReason } from './link-reason.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import type { MeshSettingsChanged } from '../settings/mesh-settings.js';
import { LicenseService } from '../license/license.service.js';
import type { LicenseState } from '../license/license-state.js';
import { type LinkStatus, type LinkTarget, targetKey } from './link-status.js';
import { LinkTraffic } from './link-traffic.js';
import { type Direction, Link, type LinkHandlers, type LinkOptions, RequestRefusal } from './link.js';
import { MeshNotLinkedError } from './link.errors.js';
import { type MeshMessageHandler, MeshMessageExplorer } from './mesh-message.explorer.js';
import { PeerDialer } from './peer-dialer.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { TlsSettings } from './tls-upgrade.js';

/** Decides whether a peer may link, from its hello; a refusal names the reason the peer shows. */
export type AdmissionCheck = (peer: Hello) => LinkFailure | undefined;

/** A linked peer, for callers of `linkedNodes()`. */
export interface LinkedNode {
  nodeId: string;
  host: string;
  port: number;
  direction: Direction;
  transport: 'tls' | 'tcp';
  remoteAddress: string;
  since: string;
}

const SHUTDOWN_GRACE_MS = 500;
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
 * The clients network interface and the links over it: accepts and dials, runs the handshake,
 * keeps exactly one link per peer, and carries messages for other modules.
 */
@Injectable()
export class LinkService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LinkService.name);
  /** New at every start: peers tell a restarted node's link from a stale one by it. */
  readonly instanceId = randomUUID();
  /** Frames and bytes over every link since start, closed ones included (read by metrics). */
  readonly traffic = new LinkTraffic();
  private readonly links = new Map<string, Link>();
  private readonly dialers = new Map<string, PeerDialer>();
  private readonly admissionChecks: AdmissionCheck[] = [];
  private readonly limiter = new FailureRateLimiter();
  private readonly linkOptions: LinkOptions;
  private readonly clock: PeerClock;
  private readonly linkHandlers: LinkHandlers;
  private handlers = new Map<string, MeshMessageHandler[]>();
  private tls?: TlsSettings;
  private listening!: Promise<void>;
  private markListening!: () => void;
  private server?: Server;
  private boundPort?: number;
  private pendingHandshakes = 0;
  private readonly pendingByAddress = new Map<string, number>();
  private stopping = false;
  private readonly sockets = new Set<Socket>();

  constructor(
    @Inject(MESH_MODULE_OPTIONS) private readonly options: MeshModuleOptions,
    private readonly identity: NodeIdentityService,
    private readonly explorer: MeshMessageExplorer,
    private readonly events: EventEmitter2,
    private readonly settings: MeshSettingsService,
    private readonly license: LicenseService,
  ) {
    this.listening = new Promise((done) => (this.markListening = done));
    this.clock = peerClock(options);
    this.linkOptions = {
      livenessTimeoutMs: options.livenessTimeoutMs ?? LINK_DEFAULTS.livenessTimeoutMs,
      highWaterBytes: options.highWaterBytes ?? LINK_DEFAULTS.highWaterBytes,
      maxBufferedBytes: options.maxBufferedBytes ?? LINK_DEFAULTS.maxBufferedBytes,
      backpressure: options.backpressure ?? 'wait',
      maxHandlersInProgress: options.maxHandlersInProgress ?? LINK_DEFAULTS.maxHandlersInProgress,
    };
    this.linkHandlers = {
      message: (link, topic, payload) => this.deliver(link, topic, payload),
      request: (link, topic, payload) => this.answer(link, topic, payload),
      closed: (link, failure) => this.onLinkClosed(link, failure),
    };
  }

  async onModuleInit(): Promise<void> {
    this.handlers = this.explorer.explore();
    if (this.encryption !== 'none') {
      const material = await loadOrCreateTlsMaterial({
        ...this.options.tls,
        dataDir: this.options.dataDir ?? 'data',
        commonName: this.options.host,
      });
      this.tls = new TlsSettings(material);
      if (material.generated) this.logger.log('generated a self-signed TLS certificate');
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.markListening();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const dialer of this.dialers.values()) dialer.stop();
    this.dialers.clear();
    this.closeAll(new LinkFailure('shutdown', 'this node is shutting down'), 'shutdown');
    const closed = new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    // Give the goodbye frames a moment to leave, then cut whatever is still open.
    await Promise.race([closed, sleep(SHUTDOWN_GRACE_MS)]);
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Active = enabled and licensed; links run only while the mesh is active. */
  get active(): boolean {
    return this.settings.current.enabled && this.license.licensed;
  }

  /** New credentials drop every link: peers redial and authenticate with the new key. */
  @OnEvent('mesh.settings.changed')
  onSettingsChanged({ previous, credentialsChanged }: MeshSettingsChanged): void {
    const wasActive = previous.enabled && this.license.licensed;
    if (credentialsChanged && this.active) {
      this.closeAll(new LinkFailure('closed', 'the mesh ID or password changed'), 'closed');
    }
    this.reconcile(wasActive, 'disabled');
  }

  @OnEvent('mesh.license.changed')
  onLicenseChanged({ previous }: { previous: LicenseState }): void {
    this.reconcile(this.settings.current.enabled && previous.licensed, 'unlicensed');
    // A smaller license closes the links above its limit, newest first.
    const extra = [...this.links.values()].slice(this.license.current.connections);
    for (const link of extra.reverse()) {
      link.close(
        new LinkFailure('connection-limit-local', 'above the license limit'),
        'connection-limit-remote',
      );
    }
  }

  private reconcile(wasActive: boolean, why: 'disabled' | 'unlicensed'): void {
    if (wasActive && !this.active) {
      const tellPeer = why === 'disabled' ? 'mesh-disabled-remote' : 'unlicensed-remote';
      this.closeAll(
        new LinkFailure(
          why === 'disabled' ? 'closed' : 'unlicensed-local',
          `the mesh was ${why} on this node`,
        ),
        tellPeer,
      );
      this.logger.warn(`mesh deactivated: ${why}`);
      this.events.emit('mesh.deactivated', { reason: why });
    } else if (!wasActive && this.active) {
      this.logger.log('mesh activated');
      this.events.emit('mesh.activated', {});
    }
    for (const dialer of this.dialers.values()) dialer.retryNow();
  }

  /** Port of the clients network interface (the chosen one when configured as 0). */
  get port(): number {
    return this.boundPort ?? this.options.port ?? LINK_DEFAULTS.port;
  }

  /** Whether the clients network interface accepts connections (from bootstrap until shutdown). */
  get isListening(): boolean {
    return this.server?.listening === true;
  }

  /** Inbound connections in their handshake now; never more than `maxPendingHandshakes`. */
  get handshakesInProgress(): number {
    return this.pendingHandshakes;
  }

  get encryption(): 'none' | 'starttls-optional' | 'starttls-required' {
    return this.options.encryption ?? LINK_DEFAULTS.encryption;
  }

  /**
   * Keep a link to this address: dial now and again after every failure, with backoff. With the
   * node ID known, an existing link to that node (e.g. one it dialled) serves and nothing is dialled.
   */
  connect(target: LinkTarget, nodeId?: string): void {
    const key = targetKey(target);
    if (this.dialers.has(key)) return;
    const dialer = new PeerDialer(
      target,
      {
        dial: (t) => this.dial(t),
        linkTo: (nodeId) => this.links.get(nodeId),
        blocked: () => this.dialBlocked(),
        changed: (d, transition) => this.dialerChanged(d, transition),
      },
      new ReconnectBackoff(
        this.options.reconnectMinMs ?? LINK_DEFAULTS.reconnectMinMs,
        this.options.reconnectMaxMs ?? LINK_DEFAULTS.reconnectMaxMs,
      ),
    );
    this.dialers.set(key, dialer);
    const existing = nodeId === undefined ? undefined : this.links.get(nodeId);
    if (existing) return dialer.linkUp(existing);
    // The hello carries this node's port, known once the interface listens.
    void this.listening.then(() => {
      if (this.dialers.get(key) === dialer) dialer.start();
    });
  }

  /** Stop dialling this address but keep any link to its node (it is reached another way). */
  forget(target: LinkTarget): void {
    this.dialers.get(targetKey(target))?.stop();
    this.dialers.delete(targetKey(target));
  }

  /** Closes the link to a node, whichever side dialled it; the peer shows `tellPeer`. */
  closeLink(nodeId: string, tellPeer: LinkReason): void {
    this.links
      .get(nodeId)
      ?.close(new LinkFailure('closed', 'closed by this node'), tellPeer, 'the peer closed the link');
  }

  /** Stop keeping a link to this address, and close the link it made. */
  disconnect(target: LinkTarget, tellPeer: 'disabled-remote' | 'closed' = 'disabled-remote'): void {
    const dialer = this.dialers.get(targetKey(target));
    if (!dialer) return;
    this.dialers.delete(targetKey(target));
    dialer.stop();
    const link = dialer.nodeId === undefined ? undefined : this.links.get(dialer.nodeId);
    link?.close(new LinkFailure('closed', 'disconnected by this node'), tellPeer, 'the peer closed the link');
  }

  /** Status of an address given to `connect`. */
  status(target: LinkTarget): LinkStatus | undefined {
    return this.dialers.get(targetKey(target))?.status;
  }

  /** Refuse peers for a reason of another module (registry, license); checked in order. */
  addAdmissionCheck(check: AdmissionCheck): void {
    this.admissionChecks.push(check);
  }

  linkedNodes(): LinkedNode[] {
    return [...this.links.values()].map((link) => ({
      nodeId: link.nodeId,
      host: link.peer.host,
      port: link.peer.port,
      direction: link.direction,
      transport: link.transport,
      remoteAddress: link.remoteAddress,
      since: link.establishedAt.toISOString(),
    }));
  }

  isLinked(nodeId: string): boolean {
    return this.links.has(nodeId);
  }

  /**
   * Sends a one-way message. Resolves once it is handed to the socket; waits while the peer is
   * behind. @throws MeshNotLinkedError, BackpressureError, MeshLinkClosedError
   */
  send(nodeId: string, topic: string, payload: unknown): Promise<void> {
    const link = this.links.get(nodeId);
    if (!link) return Promise.reject(new MeshNotLinkedError(nodeId));
    return link.send(topic, payload);
  }

  /** Sends to every linked node (encoded once); resolves with the node IDs it was sent to. */
  async broadcast(topic: string, payload: unknown): Promise<string[]> {
    const buffer = encodeLinkFrame.message(topic, payload);
    const targets = [...this.links.values()];
    const results = await Promise.allSettled(targets.map((link) => link.sendFrame(buffer)));
    return targets.filter((_, i) => results[i]?.status === 'fulfilled').map((link) => link.nodeId);
  }

  /**
   * Asks one node and resolves with its handler's answer.
   * @throws MeshNotLinkedError, MeshRequestTimeoutError, MeshRemoteError, MeshLinkClosedError
   */
  request(
    nodeId: string,
    topic: string,
    payload: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    const link = this.links.get(nodeId);
    if (!link) return Promise.reject(new MeshNotLinkedError(nodeId));
    return link.request(
      topic,
      payload,
      options.timeoutMs ?? this.options.requestTimeoutMs ?? LINK_DEFAULTS.requestTimeoutMs,
    );
  }

  private async listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      const port = this.options.port ?? LINK_DEFAULTS.port;
      server.listen({ port, host: this.options.bind ?? LINK_DEFAULTS.bind, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', fail);
        done();
      });
    });
    server.on('error', (error) => this.logger.error(`clients network interface: ${error.message}`));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.logger.log(
      `clients network interface on ${this.options.bind ?? LINK_DEFAULTS.bind}:${this.boundPort} (${this.encryption})`,
    );
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress;
    this.track(socket);
    if (address === undefined) return void socket.destroy(); // reset before it was accepted
    const pendingFromAddress = this.pendingByAddress.get(address) ?? 0;
    if (
      this.limiter.blocked(address) ||
      pendingFromAddress >= MAX_PENDING_PER_ADDRESS ||
      this.pendingHandshakes >= (this.options.maxPendingHandshakes ?? LINK_DEFAULTS.maxPendingHandshakes)
    ) {
      const message = 'too many failed or pending handshakes from this address; try again later';
      socket.end(encodeFrame({ t: 'error', reason: 'rate-limited', message }));
      setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
      return;
    }
    this.pendingHandshakes++;
    this.pendingByAddress.set(address, pendingFromAddress + 1);
    const keyAtStart = this.settings.current.key;
    const handshake = new Handshake({
      role: 'acceptor',
      self: this.hello(),
      meshKey: keyAtStart,
      admit: (peer) => this.admit(peer),
      clock: this.clock,
    });
    driveHandshake(socket, this.driverOptions('acceptor', handshake))
      .then((connection) => this.adopt(connection, 'inbound', keyAtStart))
      .catch((error: unknown) => this.inboundFailed(address, error))
      .finally(() => {
        this.pendingHandshakes--;
        const left = (this.pendingByAddress.get(address) ?? 1) - 1;
        if (left > 0) this.pendingByAddress.set(address, left);
        else this.pendingByAddress.delete(address);
      });
  }

  private async dial(target: LinkTarget): Promise<Link> {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    this.track(socket);
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => {
        socket.destroy();
        fail(
          new LinkFailure(
            'timeout',
            `no TCP connection to ${target.host}:${target.port} within the handshake time`,
          ),
        );
      }, this.options.handshakeTimeoutMs ?? LINK_DEFAULTS.handshakeTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        done();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        fail(socketFailure(error));
      });
    });
    const keyAtStart = this.settings.current.key;
    const handshake = new Handshake({
      role: 'dialer',
      self: this.hello(),
      meshKey: keyAtStart,
      clock: this.clock,
    });
    const connection = await driveHandshake(socket, this.driverOptions('dialer', handshake));
    // Unchecked, removed or superseded while the handshake ran: this link is not wanted any more.
    if (!this.dialers.has(targetKey(target))) {
      connection.socket.destroy();
      throw new LinkFailure('closed', 'disconnected by this node');
    }
    return this.adopt(connection, 'outbound', keyAtStart);
  }

  private driverOptions(role: 'dialer' | 'acceptor', handshake: Handshake) {
    return {
      role,
      handshake,
      tls: this.encryption === 'none' ? undefined : this.tls,
      maxFrameBytes: this.options.maxFrameBytes ?? LINK_DEFAULTS.maxFrameBytes,
      timeoutMs: this.options.handshakeTimeoutMs ?? LINK_DEFAULTS.handshakeTimeoutMs,
    };
  }

  /**
   * Makes an authenticated connection the link to its node and returns the node's link. Of two
   * links between the same two running nodes, both sides keep the one dialled by the smaller
   * node ID and close the other; a link from a restarted peer (new instance ID) replaces the
   * stale one.
   */
  private adopt(
    connection: EstablishedConnection,
    direction: Direction,
    keyAtStart: MeshKey | undefined,
  ): Link {
    const link = new Link(connection, direction, this.linkOptions, this.linkHandlers, this.traffic);
    // The mesh may have been switched off, unlicensed, re-keyed or stopped while the handshake ran.
    const gone = this.stopping
      ? new LinkFailure('shutdown', 'this node is shutting down')
      : !this.active
        ? new LinkFailure(
            this.license.licensed ? 'closed' : 'unlicensed-local',
            'the mesh is not active on this node',
          )
        : keyAtStart !== this.settings.current.key
          ? new LinkFailure('closed', 'the mesh ID or password changed during the handshake')
          : undefined;
    if (gone) {
      link.close(gone, gone.reason === 'unlicensed-local' ? 'unlicensed-remote' : 'closed');
      throw gone;
    }
    const existing = this.links.get(link.nodeId);
    // Checked again here: handshakes admitted at once must not add up past the license.
    if (!existing && this.atLimit(link.nodeId)) {
      const limit = this.license.current.connections;
      link.close(
        new LinkFailure('connection-limit-local', `the license allows ${limit} links`),
        'connection-limit-remote',
      );
      throw new LinkFailure('connection-limit-local', `this node's license allows ${limit} links`);
    }
    if (
      existing &&
      existing.peer.instanceId === link.peer.instanceId &&
      this.dialerOf(existing) <= this.dialerOf(link)
    ) {
      const message = 'a link to this node exists already';
      link.close(new LinkFailure('duplicate', message), 'duplicate', message);
      return existing;
    }
    this.links.set(link.nodeId, link);
    link.start();
    if (existing) {
      const why = existing.peer.instanceId === link.peer.instanceId ? 'duplicate' : 'connection-lost';
      existing.close(
        new LinkFailure(why, 'replaced by a newer link to the same node'),
        why,
        'replaced by a newer link',
      );
    }
    this.logger.log(
      `link up: ${link.peer.host}:${link.peer.port} (${link.nodeId}) ${direction} ${link.transport}`,
    );
    for (const dialer of this.dialersOf(link)) dialer.linkUp(link);
    this.events.emit('mesh.link.up', {
      nodeId: link.nodeId,
      host: link.peer.host,
      port: link.peer.port,
      direction,
      transport: link.transport,
      remoteAddress: link.remoteAddress,
    });
    return link;
  }

  private onLinkClosed(link: Link, failure: LinkFailure): void {
    if (this.links.get(link.nodeId) !== link) return; // a loser of the tie-break or a replaced link
    this.links.delete(link.nodeId);
    this.logger.log(
      `link down: ${link.peer.host}:${link.peer.port} (${link.nodeId}): ${failure.reason} — ${failure.message}`,
    );
    this.events.emit('mesh.link.down', {
      nodeId: link.nodeId,
      reason: failure.reason,
      message: failure.message,
    });
    for (const dialer of this.dialersOf(link)) dialer.linkDown(failure);
  }

  private dialerChanged(dialer: PeerDialer, transition: boolean): void {
    const { target, nodeId, status } = dialer;
    this.events.emit('mesh.link.status', { ...target, nodeId, status, transition });
    if (!transition || status.state !== 'error') return;
    this.logger.warn(`link to ${target.host}:${target.port} failed: ${status.reason} — ${status.message}`);
    this.events.emit('mesh.link.error', {
      ...target,
      nodeId,
      direction: 'outbound',
      reason: status.reason,
      message: status.message,
    });
  }

  private inboundFailed(address: string, error: unknown): void {
    if (!(error instanceof LinkFailure)) {
      this.logger.error(
        `inbound link from ${address} failed`,
        error instanceof Error ? error.stack : String(error),
      );
      return;
    }
    if (error.reason === 'duplicate') return;
    if (SUSPICIOUS.has(error.reason)) this.limiter.record(address);
    const refused = error instanceof HandshakeFailure && error.refused;
    this.logger.warn(
      `inbound link from ${address} ${refused ? 'refused' : 'failed'}: ${error.reason} — ${error.message}`,
    );
    this.events.emit('mesh.link.error', {
      remoteAddress: address,
      direction: 'inbound',
      reason: error.reason,
      message: error.message,
    });
  }

  private admit(peer: Hello): LinkFailure | undefined {
    if (!this.settings.current.enabled)
      return new LinkFailure('mesh-disabled-remote', 'the mesh is disabled on the peer');
    const license = this.license.current;
    if (!license.licensed) return new LinkFailure('unlicensed-remote', 'the peer has no valid mesh license');
    if (this.atLimit(peer.nodeId)) {
      return new LinkFailure(
        'connection-limit-remote',
        `the peer's license allows ${license.connections} links`,
      );
    }
    for (const check of this.admissionChecks) {
      const refusal = check(peer);
      if (refusal) return refusal;
    }
    return undefined;
  }

  /** True when one more link (to a node not linked yet) would exceed the license. */
  private atLimit(nodeId: string | undefined): boolean {
    return (
      (nodeId === undefined || !this.links.has(nodeId)) && this.links.size >= this.license.current.connections
    );
  }

  private closeAll(failure: LinkFailure, tellPeer: LinkReason): void {
    for (const link of [...this.links.values()]) link.close(failure, tellPeer, failure.message);
  }

  private dialBlocked(): LinkFailure | { state: 'disabled'; message: string } | undefined {
    if (!this.settings.current.enabled)
      return { state: 'disabled', message: 'the mesh is disabled on this node' };
    const license = this.license.current;
    if (!license.licensed)
      return new LinkFailure('unlicensed-local', `this node has no valid mesh license: ${license.message}`);
    if (this.atLimit(undefined)) {
      return new LinkFailure(
        'connection-limit-local',
        `this node's license allows ${license.connections} links`,
      );
    }
    if (!this.settings.current.key)
      return new LinkFailure('mesh-not-configured-local', 'no mesh ID and password are set on this node');
    return undefined;
  }

  private dialersOf(link: Link): PeerDialer[] {
    const advertised = targetKey({ host: link.peer.host, port: link.peer.port });
    return [...this.dialers.entries()]
      .filter(([key, dialer]) => dialer.nodeId === link.nodeId || key === advertised)
      .map(([, dialer]) => dialer);
  }

  private dialerOf(link: Link): string {
    return link.direction === 'outbound' ? this.identity.nodeId : link.nodeId;
  }

  private hello(): LocalHello {
    return {
      nodeId: this.identity.nodeId,
      instanceId: this.instanceId,
      host: this.options.host,
      port: this.port,
      encryption: this.encryption,
      software: SOFTWARE_VERSION,
    };
  }

  /** Calls every handler of the topic; returns what the asynchronous ones still do, if anything. */
  private deliver(link: Link, topic: string, payload: unknown): Promise<unknown> | undefined {
    let inProgress: Promise<unknown> | undefined;
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        const result = handler(payload, { fromNodeId: link.nodeId });
        if (!(result instanceof Promise)) continue;
        const settled = result.catch((error: unknown) => this.handlerFailed(topic, error));
        inProgress = inProgress ? Promise.all([inProgress, settled]) : settled;
      } catch (error: unknown) {
        this.handlerFailed(topic, error);
      }
    }
    return inProgress;
  }

  /** The handler's answer as it returns it: a value, or a promise from an asynchronous handler. */
  private answer(link: Link, topic: string, payload: unknown): unknown {
    const handler = this.handlers.get(topic)?.[0];
    if (!handler) throw new RequestRefusal('no-handler', `no handler for "${topic}"`);
    let answer: unknown;
    try {
      answer = handler(payload, { fromNodeId: link.nodeId });
    } catch (error: unknown) {
      this.handlerFailed(topic, error);
      throw error;
    }
    if (typeof (answer as PromiseLike<unknown> | null)?.then !== 'function') return answer;
    return Promise.resolve(answer).catch((error: unknown) => {
      this.handlerFailed(topic, error);
      throw error;
    });
  }

  private handlerFailed(topic: string, error: unknown): void {
    this.logger.error(`handler of "${topic}" failed`, error instanceof Error ? error.stack : String(error));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    // Whoever owns the socket reports failures; a reset on a socket nobody reads must not crash.
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
  }
}
