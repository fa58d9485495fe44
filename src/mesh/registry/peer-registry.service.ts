import { randomUUID } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Hello } from '../handshake/handshake-messages.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { LinkFailure } from '../link/link-reason.js';
import type { LinkStatus, LinkTarget } from '../link/link-status.js';
import { LinkService } from '../link/link.service.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import type { LinkStatusEvent, LinkUpEvent } from '../events/mesh-events.js';
import { MeshActivation } from '../link/mesh-activation.js';
import { linkHint } from '../link/link-hints.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { ADMISSION_STAGE, AdmissionGate } from '../link/admission-gate.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import type { MeshSettingsChanged } from '../settings/mesh-settings.js';
import { MeshNodeEntity } from './mesh-node.entity.js';
import {
  type MeshNodeView,
  NodeExistsError,
  NodeNotFixedError,
  NodeNotFoundError,
  RegistryStoppedError,
} from './mesh-node.js';
import { type TlsRequirementQuery, TlsRequirements } from '../link/tls-requirements.js';
import { describeError } from '../../common/describe-error.js';
import type { SeenNode } from './member-list.js';

export type { SeenNode } from './member-list.js';

/** What `seen` did with a node: listed it now, knew it, or left it out. */
export type SeenOutcome = 'listed' | 'known' | 'self' | 'list-full';

/** Discovered nodes unseen (and not linked) for this many search intervals leave the list. */
const LOST_AFTER_INTERVALS = 3;
/**
 * Nodes listed at most: far beyond any mesh, it bounds what member lists from peers (which a
 * faulty peer may fill with made-up nodes) can add before those expire.
 */
export const MAX_LISTED_NODES = 1024;

/**
 * The list of other nodes in two groups, fixed and discovered, each with its connect checkbox
 * and live status. Every change is written to the database before it takes effect.
 */
@Injectable()
export class PeerRegistryService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PeerRegistryService.name);
  private readonly entries = new Map<string, MeshNodeEntity>();
  private readonly lastSeen = new Map<string, number>();
  private expiry?: NodeJS.Timeout;
  /** Mutations run one at a time: events and API calls race otherwise over the same rows. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(
    @Inject(MESH_CONFIG) private readonly options: MeshConfig,
    @InjectRepository(MeshNodeEntity) private readonly rows: Repository<MeshNodeEntity>,
    private readonly link: LinkService,
    private readonly settings: MeshSettingsService,
    private readonly identity: NodeIdentityService,
    private readonly events: MeshEventBus,
    private readonly hooks: MeshHooks,
    private readonly gate: AdmissionGate,
    activation: MeshActivation,
    tlsRequirements: TlsRequirements,
  ) {
    gate.add(ADMISSION_STAGE.membership, (peer) => this.admit(peer));
    tlsRequirements.add((peer) => this.requiresTls(peer));
    hooks.settingsChanged.add('PeerRegistryService', HOOK_ORDER.registry, (change) =>
      this.onSettingsChanged(change),
    );
    // After the dialers redialled (order 20): nodes refused until now are dialled back at once,
    // and after a password change those that dialled in with another password (it may be ours now).
    activation.changed.add('PeerRegistryService', 30, ({ credentialsChanged }) =>
      this.recall([...gate.recallAdmitted(), ...(credentialsChanged ? gate.recallMismatched() : [])]),
    );
    hooks.linkUp.add('PeerRegistryService', HOOK_ORDER.registry, (up) => this.onLinkUp(up));
    hooks.linkStatus.add('PeerRegistryService', HOOK_ORDER.registry, (change) => this.onLinkStatus(change));
  }

  async onModuleInit(): Promise<void> {
    for (const row of await this.rows.find()) this.entries.set(row.id, row);
    for (const peer of this.options.peers) {
      if (!this.byAddress(peer.host, peer.port))
        await this.insert({ ...peer, group: 'fixed', connect: true });
    }
  }

  onApplicationBootstrap(): void {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      this.lastSeen.set(entry.id, now);
      if (entry.connect) this.link.connect(target(entry), entry.nodeId ?? undefined);
    }
    this.scheduleExpiry();
  }

  /** Lost nodes are looked for once per search interval, the interval in force. */
  private async onSettingsChanged({ previous, current }: MeshSettingsChanged): Promise<void> {
    if (previous.discoveryIntervalMs !== current.discoveryIntervalMs) this.scheduleExpiry();
    if (current.acceptUnknown && !previous.acceptUnknown) await this.recall(this.gate.recallAdmitted());
  }

  /**
   * The nodes this node refused lately that it would admit now (it was enabled, licensed, accepts
   * unknown nodes, or has a new password) are listed and dialled at once: their own dialler may be
   * waiting out a long backoff, and "no stale backoff" means the side that changed acts.
   */
  private async recall(recalled: Hello[]): Promise<void> {
    for (const peer of recalled) {
      if (this.stopping) return;
      const node = { nodeId: peer.nodeId, host: peer.host, port: peer.port };
      await this.seen(node).catch(() => undefined);
      const entry = this.byNodeId(peer.nodeId);
      if (entry?.connect) this.link.connect(target(entry), peer.nodeId);
    }
  }

  private scheduleExpiry(): void {
    clearInterval(this.expiry);
    // Failures are logged by the queue; the next tick tries again.
    this.expiry = setInterval(
      () => void this.expireLost().catch(() => undefined),
      this.settings.current.discoveryIntervalMs,
    );
    this.expiry.unref();
  }

  /** Changes accepted so far are written before TypeORM closes the database; later ones are refused. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.expiry);
    this.stopping = true;
    await this.queue;
  }

  list(): MeshNodeView[] {
    return [...this.entries.values()].sort(byGroupThenAddress).map((entry) => this.view(entry));
  }

  get(id: string): MeshNodeView {
    return this.view(this.entry(id));
  }

  /** The listed, checked nodes linked now, but `except`: what this node tells a peer it knows. */
  linkedMembers(except: string): SeenNode[] {
    return [...this.entries.values()]
      .filter((entry) => entry.connect && entry.nodeId !== null && entry.nodeId !== except)
      .filter((entry) => this.link.isLinked(entry.nodeId as string))
      .map((entry) => ({ nodeId: entry.nodeId as string, host: entry.host, port: entry.port }));
  }

  /** Whether the node is listed and checked (a link with it is wanted). */
  isMember(nodeId: string): boolean {
    return this.byNodeId(nodeId)?.connect === true;
  }

  /** Adds a node by hand; a discovered node at that address becomes fixed. */
  addFixed(node: {
    host: string;
    port: number;
    connect?: boolean;
    requireTls?: boolean;
  }): Promise<MeshNodeView> {
    return this.serial(() => this.doAddFixed(node));
  }

  private async doAddFixed(node: {
    host: string;
    port: number;
    connect?: boolean;
    requireTls?: boolean;
  }): Promise<MeshNodeView> {
    const host = node.host.toLowerCase();
    const existing = this.byAddress(host, node.port);
    if (existing?.group === 'fixed') throw new NodeExistsError(host, node.port);
    const requireTls = node.requireTls ?? false;
    if (existing) {
      await this.save(existing, { group: 'fixed', connect: node.connect ?? existing.connect, requireTls });
      this.enforceTls(existing);
      this.applyConnect(existing);
      return this.view(existing);
    }
    const entry = await this.insert({
      host,
      port: node.port,
      group: 'fixed',
      connect: node.connect ?? true,
      requireTls,
    });
    return this.view(entry);
  }

  /**
   * A fixed node's TLS requirement: on, a link to or from it must be TLS with certificates trusted
   * both ways; a link that is not is closed and made again under the rule.
   * @throws NodeNotFixedError when turned on for a discovered node.
   */
  setRequireTls(id: string, requireTls: boolean): Promise<MeshNodeView> {
    return this.serial(async () => {
      const entry = this.entry(id);
      if (requireTls && entry.group !== 'fixed') throw new NodeNotFixedError(id);
      if (entry.requireTls !== requireTls) {
        await this.save(entry, { requireTls });
        this.enforceTls(entry);
        // An edited entry is dialled at once: the change may be what made it fail.
        if (entry.connect) this.link.connect(target(entry), entry.nodeId ?? undefined);
      }
      return this.view(entry);
    });
  }

  /** Closes a link to a node requiring TLS that is TCP or whose certificates are not trusted both ways. */
  private enforceTls(entry: MeshNodeEntity): void {
    if (!entry.requireTls || entry.nodeId === null) return;
    const link = this.link.linkedNodes().find((linked) => linked.nodeId === entry.nodeId);
    if (!link) return;
    const verified = link.tls?.peerTrusted !== false && link.tls?.trustedByPeer !== false;
    if (link.transport === 'tls' && verified) return;
    this.logger.log(`${entry.host}:${entry.port} now requires TLS: its ${link.transport} link is made again`);
    this.link.closeLink(entry.nodeId, 'closed');
  }

  /**
   * Whether the peer is a node requiring TLS: found by the address dialled, its node ID or the
   * address its hello advertises (any of them requiring it is enough: a wrong match only tightens).
   */
  private requiresTls({ nodeId, host, port, dialled }: TlsRequirementQuery): boolean {
    const dialledEntry = dialled && this.byAddress(dialled.host, dialled.port);
    return [dialledEntry, this.byNodeId(nodeId), this.byAddress(host, port)].some(
      (entry) => entry?.requireTls === true,
    );
  }

  /** The checkbox: unchecked closes the link and refuses the node's dials (`disabled-remote`). */
  setConnect(id: string, connect: boolean): Promise<MeshNodeView> {
    return this.serial(() => this.doSetConnect(id, connect));
  }

  private async doSetConnect(id: string, connect: boolean): Promise<MeshNodeView> {
    const entry = this.entry(id);
    if (entry.connect !== connect) {
      await this.save(entry, { connect });
      this.applyConnect(entry);
    }
    return this.view(entry);
  }

  /** "Configure this node permanently": a discovered node becomes fixed. */
  pin(id: string): Promise<MeshNodeView> {
    return this.serial(async () => {
      const entry = this.entry(id);
      if (entry.group !== 'fixed') await this.save(entry, { group: 'fixed' });
      return this.view(entry);
    });
  }

  remove(id: string): Promise<void> {
    return this.serial(() => this.doRemove(id));
  }

  private async doRemove(id: string): Promise<void> {
    const entry = this.entry(id);
    await this.rows.delete({ id });
    this.entries.delete(id);
    this.lastSeen.delete(id);
    this.link.disconnect(target(entry), 'closed');
    // The node may have dialled us: that link goes too. It is listed again if it dials back.
    if (entry.nodeId !== null) this.link.closeLink(entry.nodeId, 'closed');
    this.emit('mesh.node.removed', entry);
  }

  /**
   * A node was seen (discovery answer, member list, inbound link): list it as discovered (and
   * dial it) or, when listed, learn its ID. This node's own ID is never listed.
   */
  seen(node: SeenNode): Promise<SeenOutcome> {
    return this.serial(() => this.doSeen(node));
  }

  private async doSeen(node: SeenNode): Promise<SeenOutcome> {
    if (node.nodeId === this.identity.nodeId) return 'self';
    const host = node.host.toLowerCase();
    let entry = this.byNodeId(node.nodeId) ?? this.byAddress(host, node.port);
    let outcome: SeenOutcome = 'known';
    if (entry) {
      await this.learnNodeId(entry, node.nodeId);
      entry = this.byNodeId(node.nodeId);
    } else if (this.entries.size >= MAX_LISTED_NODES) {
      return 'list-full';
    } else {
      outcome = 'listed';
      entry = await this.insert({
        host,
        port: node.port,
        group: 'discovered',
        connect: true,
        nodeId: node.nodeId,
      });
      this.events.emit('mesh.node.discovered', this.view(entry));
    }
    if (entry) this.lastSeen.set(entry.id, Date.now());
    return outcome;
  }

  /** A linked node is listed: known by address or ID, or unknown and accepted. */
  private async onLinkUp(up: LinkUpEvent): Promise<void> {
    await this.seen({ nodeId: up.nodeId, host: up.host, port: up.port }).catch(() => undefined);
  }

  private onLinkStatus(change: LinkStatusEvent): Promise<void> {
    return this.serial(async () => {
      const entry = this.byAddress(change.host, change.port);
      if (!entry) return;
      if (change.nodeId !== undefined && entry.nodeId !== change.nodeId)
        await this.learnNodeId(entry, change.nodeId);
      const current = this.entries.get(entry.id);
      // A redial that fails for the same reason again is no news for the admin page.
      if (!current || !change.transition) return;
      // The status of this change, not the dialler's now: this runs after the queue's earlier
      // work, and a status that was replaced meanwhile (a `shutdown` by the redial's `unreachable`)
      // is still told.
      this.emit('mesh.node.updated', current, change.status);
    }).catch(() => undefined);
  }

  /** Runs `work` after every mutation queued before it; a failure is the caller's, not the queue's. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(new RegistryStoppedError());
    const result = this.queue.then(work);
    this.queue = result.catch((error: unknown) => {
      // A request for an unknown or duplicate node is the caller's business, not a fault.
      if (
        error instanceof NodeNotFoundError ||
        error instanceof NodeExistsError ||
        error instanceof NodeNotFixedError
      )
        return;
      this.logger.error('registry update failed', describeError(error));
    });
    return result;
  }

  private admit(peer: Hello): LinkFailure | undefined {
    const entry = this.byNodeId(peer.nodeId) ?? this.byAddress(peer.host.toLowerCase(), peer.port);
    if (entry && !entry.connect)
      return new LinkFailure('disabled-remote', 'the peer has unchecked this node');
    if (!entry && !this.settings.current.acceptUnknown) {
      return new LinkFailure('not-known-remote', 'the peer does not accept nodes it does not know');
    }
    return undefined;
  }

  /**
   * Records the node ID behind an entry. If another entry already has it (the same node under two
   * addresses), the two merge: the fixed one stays (else the older), the other goes.
   */
  private async learnNodeId(entry: MeshNodeEntity, nodeId: string): Promise<void> {
    if (entry.nodeId === nodeId) return;
    const twin = this.byNodeId(nodeId);
    if (twin && twin.id !== entry.id) {
      const [keep, drop] = prefer(twin, entry);
      await this.rows.delete({ id: drop.id });
      this.entries.delete(drop.id);
      this.lastSeen.delete(drop.id);
      this.link.forget(target(drop));
      this.logger.log(`${drop.host}:${drop.port} is ${keep.host}:${keep.port} (node ${nodeId}): merged`);
      this.emit('mesh.node.removed', drop);
      if (keep.nodeId !== nodeId) await this.save(keep, { nodeId });
      return;
    }
    await this.save(entry, { nodeId });
  }

  private expireLost(): Promise<void> {
    return this.serial(() => this.doExpireLost());
  }

  /**
   * A discovered node leaves the list when for `LOST_AFTER_INTERVALS` search intervals it was
   * neither linked, nor answered the search, nor named by a linked peer's member list: it was
   * removed from the mesh, changed its credentials or is gone for good. With the search off the
   * links and member lists are what tells.
   */
  private async doExpireLost(): Promise<void> {
    const now = Date.now();
    const limit = now - LOST_AFTER_INTERVALS * this.settings.current.discoveryIntervalMs;
    for (const entry of [...this.entries.values()]) {
      const linked = entry.nodeId !== null && this.link.isLinked(entry.nodeId);
      // A link is the best sign of life: a link lost later counts from its last tick.
      if (linked) this.lastSeen.set(entry.id, now);
      // An unchecked node stays: that is the administrator's decision, kept until removed.
      if (entry.group !== 'discovered' || !entry.connect || linked) continue;
      if ((this.lastSeen.get(entry.id) ?? 0) > limit) continue;
      await this.rows.delete({ id: entry.id });
      this.entries.delete(entry.id);
      this.lastSeen.delete(entry.id);
      this.link.disconnect(target(entry), 'closed');
      this.emit('mesh.node.removed', entry);
      this.events.emit('mesh.node.lost', this.view(entry));
    }
  }

  private applyConnect(entry: MeshNodeEntity): void {
    if (entry.connect) this.link.connect(target(entry), entry.nodeId ?? undefined);
    else this.link.disconnect(target(entry), 'disabled-remote');
    // The peer may have dialled us: that link goes too, whichever side made it.
    if (!entry.connect && entry.nodeId !== null) this.link.closeLink(entry.nodeId, 'disabled-remote');
  }

  private async insert(
    fields: Partial<MeshNodeEntity> & Pick<MeshNodeEntity, 'host' | 'port' | 'group' | 'connect'>,
  ) {
    const entry = await this.rows.save(this.rows.create({ id: randomUUID(), nodeId: null, ...fields }));
    this.entries.set(entry.id, entry);
    this.lastSeen.set(entry.id, Date.now());
    if (entry.connect) this.link.connect(target(entry), entry.nodeId ?? undefined);
    this.emit('mesh.node.added', entry);
    return entry;
  }

  private async save(entry: MeshNodeEntity, change: Partial<MeshNodeEntity>): Promise<void> {
    await this.rows.update({ id: entry.id }, change);
    Object.assign(entry, change, { updatedAt: new Date() });
    this.emit('mesh.node.updated', entry);
  }

  /** `linkStatus`: the address's status to show, when not the dialler's now (a change being told). */
  private view(entry: MeshNodeEntity, linkStatus = this.link.status(target(entry))): MeshNodeView {
    const status: LinkStatus = entry.connect
      ? (linkStatus ?? { state: 'idle', since: entry.updatedAt.toISOString() })
      : {
          state: 'disabled',
          reason: 'disabled-local',
          message: 'unchecked on this node',
          hint: linkHint('disabled-local'),
          since: entry.updatedAt.toISOString(),
        };
    return {
      id: entry.id,
      // The link may be up before the node ID is written (the registry's queue): show it already.
      nodeId: entry.nodeId ?? (entry.connect ? (this.link.nodeIdAt(target(entry)) ?? null) : null),
      host: entry.host,
      port: entry.port,
      group: entry.group,
      connect: entry.connect,
      requireTls: entry.requireTls,
      status,
    };
  }

  /** Tells the mesh's parts (hooks, not awaited: this runs inside the queue) and the host. */
  /** Tells hooks and listeners; `linkStatus` as in `view`. */
  private emit(
    name: 'mesh.node.added' | 'mesh.node.updated' | 'mesh.node.removed',
    entry: MeshNodeEntity,
    linkStatus?: LinkStatus,
  ): void {
    const node = linkStatus === undefined ? this.view(entry) : this.view(entry, linkStatus);
    void this.hooks.nodeChanged.run({ change: NODE_CHANGES[name], node });
    this.events.emit(name, node);
  }

  private entry(id: string): MeshNodeEntity {
    const entry = this.entries.get(id);
    if (!entry) throw new NodeNotFoundError(id);
    return entry;
  }

  private byNodeId(nodeId: string): MeshNodeEntity | undefined {
    return [...this.entries.values()].find((entry) => entry.nodeId === nodeId);
  }

  private byAddress(host: string, port: number): MeshNodeEntity | undefined {
    const wanted = host.toLowerCase();
    return [...this.entries.values()].find((entry) => entry.host === wanted && entry.port === port);
  }
}

const NODE_CHANGES = {
  'mesh.node.added': 'added',
  'mesh.node.updated': 'updated',
  'mesh.node.removed': 'removed',
} as const;

function target(entry: MeshNodeEntity): LinkTarget {
  return { host: entry.host, port: entry.port };
}

/** Of two entries for one node: fixed before discovered, then the older. */
function prefer(a: MeshNodeEntity, b: MeshNodeEntity): [MeshNodeEntity, MeshNodeEntity] {
  if (a.group !== b.group) return a.group === 'fixed' ? [a, b] : [b, a];
  return a.createdAt <= b.createdAt ? [a, b] : [b, a];
}

function byGroupThenAddress(a: MeshNodeEntity, b: MeshNodeEntity): number {
  return a.group.localeCompare(b.group) || a.host.localeCompare(b.host) || a.port - b.port;
}
