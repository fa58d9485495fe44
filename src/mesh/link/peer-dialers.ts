import { connect as dialTcp } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import { LicenseService } from '../license/license.service.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { ConnectionManager } from './connection-manager.js';
import { socketFailure } from './handshake-driver.js';
import { LinkEndpoint } from './link-endpoint.js';
import { linkHint } from './link-hints.js';
import { LinkFailure } from './link-reason.js';
import { type LinkStatus, type LinkTarget, targetKey } from './link-status.js';
import type { Link } from './link.js';
import { MeshActivation } from './mesh-activation.js';
import { PeerDialer } from './peer-dialer.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { SocketSet } from './socket-set.js';

/**
 * The addresses this node keeps linked (fixed nodes, `peers`, `LinkService.connect`): one
 * `PeerDialer` each, which dials, redials with backoff and shows the address's status.
 */
@Injectable()
export class PeerDialers {
  private readonly logger = new Logger('LinkService');
  private readonly dialers = new Map<string, PeerDialer>();
  private stopped = false;

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly endpoint: LinkEndpoint,
    private readonly connections: ConnectionManager,
    private readonly activation: MeshActivation,
    private readonly settings: MeshSettingsService,
    private readonly license: LicenseService,
    private readonly sockets: SocketSet,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
  ) {
    connections.watch({
      up: (link) => this.dialersOf(link).forEach((dialer) => dialer.linkUp(link)),
      down: (link, failure) => this.dialersOf(link).forEach((dialer) => dialer.linkDown(failure)),
    });
    // After the links are closed (order 10): whatever made dialling possible now, dial at once.
    activation.changed.add('PeerDialers', 20, () => this.retryAll());
  }

  /**
   * Keep a link to this address: dial now and again after every failure, with backoff. With the
   * node ID known, an existing link to that node (e.g. one it dialled) serves and nothing is dialled.
   */
  connect(target: LinkTarget, nodeId?: string): void {
    const key = targetKey(target);
    if (this.stopped) return;
    // Asked again (an entry edited or re-checked, a node listed): no waiting out an old backoff.
    if (this.dialers.has(key)) return this.dialers.get(key)?.retryIfFailed();
    const dialer = new PeerDialer(
      target,
      {
        dial: (t) => this.dial(t),
        linkTo: (id) => this.connections.get(id),
        password: (link) => this.connections.provedKey(link),
        blocked: () => this.blocked(),
        changed: (d, transition) => this.changed(d, transition),
      },
      new ReconnectBackoff(this.config.reconnectMinMs, this.config.reconnectMaxMs),
    );
    this.dialers.set(key, dialer);
    const existing = nodeId === undefined ? undefined : this.connections.get(nodeId);
    if (existing) return dialer.linkUp(existing);
    // The hello carries this node's port, known once the interface listens.
    void this.endpoint.ready.then(() => {
      if (this.dialers.get(key) === dialer) dialer.start();
    });
  }

  /** Stops dialling this address; returns the dialer that did, if any. */
  forget(target: LinkTarget): PeerDialer | undefined {
    const key = targetKey(target);
    const dialer = this.dialers.get(key);
    dialer?.stop();
    this.dialers.delete(key);
    return dialer;
  }

  /** The node ID the dialler of this address has learned, once a link with it came up. */
  nodeIdAt(target: LinkTarget): string | undefined {
    return this.dialers.get(targetKey(target))?.nodeId;
  }

  status(target: LinkTarget): LinkStatus | undefined {
    return this.dialers.get(targetKey(target))?.status;
  }

  /** How many addresses this node keeps linked have no link now. */
  unlinked(): number {
    return [...this.dialers.values()].filter((dialer) => dialer.status.state !== 'connected').length;
  }

  /** Dial every address now, without waiting out its backoff. */
  retryAll(): void {
    for (const dialer of this.dialers.values()) dialer.retryNow();
  }

  stop(): void {
    this.stopped = true;
    for (const dialer of this.dialers.values()) dialer.stop();
    this.dialers.clear();
  }

  private async dial(target: LinkTarget): Promise<Link> {
    const socket = dialTcp({ host: target.host, port: target.port, noDelay: true });
    this.sockets.track(socket);
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => {
        socket.destroy();
        fail(
          new LinkFailure(
            'timeout',
            `no TCP connection to ${target.host}:${target.port} within the handshake time`,
          ),
        );
      }, this.config.handshakeTimeoutMs);
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
    const authenticated = await this.endpoint.handshake(socket, 'dialer', target);
    // Unchecked, removed or superseded while the handshake ran: this link is not wanted any more.
    if (!this.dialers.has(targetKey(target))) {
      authenticated.connection.socket.destroy();
      throw new LinkFailure('closed', 'disconnected by this node');
    }
    return this.connections.adopt(authenticated, 'outbound');
  }

  /** Why this node may not dial now, or undefined. */
  private blocked(): LinkFailure | { state: 'disabled'; message: string } | undefined {
    if (!this.settings.current.enabled)
      return { state: 'disabled', message: 'the mesh is disabled on this node' };
    const license = this.license.current;
    if (!license.licensed)
      return new LinkFailure('unlicensed-local', `this node has no valid mesh license: ${license.message}`);
    if (this.connections.atLimit()) {
      return new LinkFailure(
        'connection-limit-local',
        `this node's license allows ${license.connections} links`,
      );
    }
    if (!this.settings.current.key)
      return new LinkFailure('mesh-not-configured-local', 'no mesh ID and password are set on this node');
    return undefined;
  }

  private changed(dialer: PeerDialer, transition: boolean): void {
    const { target, nodeId, status } = dialer;
    const change = { ...target, nodeId, status, transition };
    void this.hooks.linkStatus.run(change);
    this.bus.emit('mesh.link.status', change);
    if (!transition || status.state !== 'error' || !status.reason) return;
    this.logger.warn(
      `link to ${target.host}:${target.port} failed: ${status.reason} — ${status.message} (${linkHint(status.reason)})`,
    );
    this.bus.emit('mesh.link.error', {
      ...target,
      nodeId,
      direction: 'outbound',
      reason: status.reason,
      message: status.message ?? '',
    });
  }

  private dialersOf(link: Link): PeerDialer[] {
    const advertised = targetKey({ host: link.peer.host, port: link.peer.port });
    return [...this.dialers.entries()]
      .filter(([key, dialer]) => dialer.nodeId === link.nodeId || key === advertised)
      .map(([, dialer]) => dialer);
  }
}
