import { Inject, Injectable, Logger } from '@nestjs/common';
import type { LinkUpEvent } from '../events/mesh-events.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { LicenseService } from '../license/license.service.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import type { ProvedKey } from '../handshake/key-ring.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { provedKey } from '../settings/password-rotation.js';
import { ADMISSION_STAGE, AdmissionGate } from './admission-gate.js';
import type { Authenticated } from './link-endpoint.js';
import { LinkFailure, type LinkReason } from './link-reason.js';
import { idleProbeIntervalMs } from './idle-probe.js';
import { LinkTable } from './link-table.js';
import { LinkTraffic } from './link-traffic.js';
import { type Direction, Link, type LinkHandlers, type LinkOptions } from './link.js';
import { MeshActivation } from './mesh-activation.js';
import { MessageRouter } from './message-router.js';

/** A linked peer, for callers of `linkedNodes()`. */
export interface LinkedNode extends LinkUpEvent {
  since: string;
}

/** Told of every link of this node that comes up or goes down (the dialers' view). */
export interface LinkWatcher {
  up(link: Link): void;
  down(link: Link, failure: LinkFailure): void;
}

/**
 * Every authenticated link of this node, one per peer (by `LinkTable`'s rule): adopts the
 * connections the listener accepts and the dialers make, closes them when the mesh stops being
 * active, the credentials change or the license shrinks, and tells the rest of the mesh.
 */
@Injectable()
export class ConnectionManager {
  private readonly logger = new Logger('LinkService');
  private readonly table: LinkTable<Link>;
  /** Frames and bytes over every link since start, closed ones included (read by metrics). */
  readonly traffic = new LinkTraffic();
  private readonly linkOptions: LinkOptions;
  private readonly linkHandlers: LinkHandlers;
  private readonly watchers: LinkWatcher[] = [];
  private stopping = false;

  constructor(
    @Inject(MESH_CONFIG) config: MeshConfig,
    identity: NodeIdentityService,
    private readonly activation: MeshActivation,
    private readonly settings: MeshSettingsService,
    private readonly license: LicenseService,
    private readonly router: MessageRouter,
    private readonly hooks: MeshHooks,
    private readonly bus: MeshEventBus,
    gate: AdmissionGate,
  ) {
    this.table = new LinkTable(() => identity.nodeId);
    this.linkOptions = {
      livenessTimeoutMs: config.livenessTimeoutMs,
      idleProbeMs: () =>
        idleProbeIntervalMs(this.table.size, config.idleProbesPerSecond, config.livenessTimeoutMs),
      highWaterBytes: config.highWaterBytes,
      maxBufferedBytes: config.maxBufferedBytes,
      backpressure: config.backpressure,
      maxHandlersInProgress: config.maxHandlersInProgress,
      maxFrameBytes: config.maxFrameBytes,
    };
    this.linkHandlers = {
      message: (link, topic, payload) => this.router.deliver(link.nodeId, topic, payload),
      request: (link, topic, payload) => this.router.answer(link.nodeId, topic, payload),
      closed: (link, failure) => this.onClosed(link, failure),
    };
    gate.add(ADMISSION_STAGE.capacity, (peer) =>
      this.atLimit(peer.nodeId)
        ? new LinkFailure('connection-limit-remote', `the peer's license allows ${this.limit} links`)
        : undefined,
    );
    activation.changed.add('ConnectionManager', 10, (change) => {
      if (change.credentialsChanged && change.active) this.closeUnaccepted(change.previousKeyForgotten);
      if (change.wasActive && !change.active) {
        const failure =
          change.why === 'disabled'
            ? new LinkFailure('closed', 'the mesh was disabled on this node')
            : new LinkFailure('unlicensed-local', 'the mesh was unlicensed on this node');
        this.closeAll(failure, change.why === 'disabled' ? 'mesh-disabled-remote' : 'unlicensed-remote');
      }
      if (change.limitLowered) this.closeOverLimit();
    });
  }

  /** Registered by the dialers, which show each address's status. */
  watch(watcher: LinkWatcher): void {
    this.watchers.push(watcher);
  }

  get(nodeId: string): Link | undefined {
    return this.table.get(nodeId);
  }

  links(): Link[] {
    return [...this.table.values()];
  }

  /** True when one more link (to a node not linked yet, or to anyone) would exceed the license. */
  atLimit(nodeId?: string): boolean {
    return this.table.atLimit(nodeId, this.limit);
  }

  /**
   * Makes an authenticated connection the link to its node and returns the node's link: this one,
   * or the existing one that won the tie-break.
   * @throws LinkFailure when the link is not wanted (mesh inactive, re-keyed, stopping, over the license)
   */
  adopt({ connection }: Authenticated, direction: Direction): Link {
    const link = new Link(connection, direction, this.linkOptions, this.linkHandlers, this.traffic);
    const gone = this.unwanted(link);
    if (gone) {
      link.close(gone, peerReasonFor(gone.reason));
      throw gone;
    }
    const adoption = this.table.adopt(link, this.limit);
    if (adoption.verdict === 'over-limit') {
      const message = `the license allows ${adoption.limit} links`;
      link.close(new LinkFailure('connection-limit-local', message), 'connection-limit-remote');
      throw new LinkFailure('connection-limit-local', `this node's license allows ${adoption.limit} links`);
    }
    if (adoption.verdict === 'duplicate') {
      const message = 'a link to this node exists already';
      link.close(new LinkFailure('duplicate', message), 'duplicate', message);
      return adoption.keep;
    }
    link.start();
    const replaced = adoption.replaced;
    replaced?.link.close(
      new LinkFailure(replaced.why, 'replaced by a newer link to the same node'),
      replaced.why,
      'replaced by a newer link',
    );
    this.logger.log(
      `link up: ${link.peer.host}:${link.peer.port} (${link.nodeId}) ${direction} ${link.transport}`,
    );
    const unverified = unverifiedWarning(link);
    if (unverified) this.logger.warn(`link to ${link.peer.host}:${link.peer.port}: ${unverified}`);
    for (const watcher of this.watchers) watcher.up(link);
    const up = upEvent(link);
    // The host hears of it at once, so its listeners see `up` before any `down` of this link; the
    // registry lists the node, then CallData asks it for news (hooks, in order, failures logged).
    this.bus.emit('mesh.link.up', up);
    void this.hooks.linkUp.run(up);
    return link;
  }

  /** Closes every link; each peer shows `tellPeer`. */
  closeAll(failure: LinkFailure, tellPeer: LinkReason): void {
    for (const link of this.links()) link.close(failure, tellPeer, failure.message);
  }

  /** From now on no link is adopted; the owner closes the existing ones. */
  stop(): void {
    this.stopping = true;
  }

  linkedNodes(): LinkedNode[] {
    return this.links().map((link) => ({ ...upEvent(link), since: link.establishedAt.toISOString() }));
  }

  private get limit(): number {
    return this.license.current.connections;
  }

  /**
   * Which of this node's keys the link's peer proved, by the keys in force now: `current`,
   * `previous` (during a password rotation), or undefined when it proved neither.
   */
  provedKey(link: Link): ProvedKey | undefined {
    return provedKey(link.provenKeys, this.settings.current);
  }

  /**
   * Closes the links whose peer proved no key this node accepts any more: all of them after a new
   * mesh ID or a password change without grace (as before rotation existed); only those still on
   * the previous password when a rotation ends, which their peers then see as `password-mismatch`.
   */
  private closeUnaccepted(rotationEnded: boolean): void {
    const failure = rotationEnded
      ? new LinkFailure(
          'password-mismatch',
          'the peer still uses the previous mesh password, whose grace period ended',
        )
      : new LinkFailure('closed', 'the mesh ID or password changed');
    for (const link of this.links()) {
      if (this.provedKey(link) === undefined)
        link.close(
          failure,
          failure.reason,
          rotationEnded ? 'the peer forgot the previous mesh password' : failure.message,
        );
    }
  }

  /** The mesh may have been switched off, unlicensed, re-keyed or stopped while the handshake ran. */
  private unwanted(link: Link): LinkFailure | undefined {
    if (this.stopping) return new LinkFailure('shutdown', 'this node is shutting down');
    if (!this.activation.active) {
      return new LinkFailure(
        this.license.licensed ? 'closed' : 'unlicensed-local',
        'the mesh is not active on this node',
      );
    }
    if (this.provedKey(link) === undefined)
      return new LinkFailure('closed', 'the mesh ID or password changed during the handshake');
    return undefined;
  }

  private closeOverLimit(): void {
    for (const link of this.table.overLimit(this.limit)) {
      link.close(
        new LinkFailure('connection-limit-local', 'above the license limit'),
        'connection-limit-remote',
      );
    }
  }

  private onClosed(link: Link, failure: LinkFailure): void {
    if (!this.table.remove(link)) return; // a loser of the tie-break or a replaced link
    this.logger.log(
      `link down: ${link.peer.host}:${link.peer.port} (${link.nodeId}): ${failure.reason} — ${failure.message}`,
    );
    const down = { nodeId: link.nodeId, reason: failure.reason, message: failure.message };
    this.bus.emit('mesh.link.down', down);
    for (const watcher of this.watchers) watcher.down(link, failure);
    void this.hooks.linkDown.run(down);
  }
}

function upEvent(link: Link): LinkUpEvent {
  return {
    nodeId: link.nodeId,
    host: link.peer.host,
    port: link.peer.port,
    direction: link.direction,
    transport: link.transport,
    remoteAddress: link.remoteAddress,
    software: link.peer.software,
    protocolVersion: link.protocolVersion,
    ...(link.tls && { tls: link.tls }),
  };
}

/** A TLS link whose certificates are not verified both ways: encrypted, but worth a warning. */
function unverifiedWarning(link: Link): string | undefined {
  const { peerTrusted, trustedByPeer } = link.tls ?? {};
  const why = [
    peerTrusted === false && "this node does not trust the peer's certificate",
    trustedByPeer === false && "the peer does not trust this node's certificate",
  ].filter(Boolean);
  if (why.length === 0) return undefined;
  return `TLS without verified certificates (${why.join('; ')}); encrypted and authenticated by the mesh password only — give both nodes certificates of the configured CA`;
}

/** What the peer of a link closed right at its adoption is told: a stop is announced as such. */
function peerReasonFor(reason: LinkReason): LinkReason {
  if (reason === 'unlicensed-local') return 'unlicensed-remote';
  return reason === 'shutdown' ? 'shutdown' : 'closed';
}
