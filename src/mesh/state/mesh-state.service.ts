import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../../common/describe-error.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { ConnectionManager } from '../link/connection-manager.js';
import type { LinkReason } from '../link/link-reason.js';
import { LinkService } from '../link/link.service.js';
import { OnMeshEvent, type MeshMessageContext } from '../link/on-mesh-message.decorator.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshStateError } from './mesh-state.error.js';
import { OwnerSync, type StateOp, type SyncStep } from './owner-sync.js';
import { PeerOutbox } from './peer-outbox.js';
import { leavesAtOnce } from './state-departure.js';
import { keyProblem, mapNameProblem, STATE_LIMITS, vetValue } from './state-limits.js';
import { type StateChange, type StateEntry, StateStore } from './state-store.js';
import {
  deltaPayload,
  inParts,
  readDelta,
  readSnapshotPart,
  snapshotPayload,
  STATE_TOPICS,
  StateWireError,
  type WireContext,
  wireSize,
} from './state-wire.js';

/** Bytes of entries per message at most: well under the frame limit, small enough to interleave. */
const MESSAGE_BYTES = 256 * 1024;
/** After a failed send to a linked peer, the next snapshot to it waits this long. */
const RETRY_MS = 1000;

/**
 * Node-owned replicated state: named maps (`presence`, `lines`, …) in which each node writes only
 * its own entries and reads everyone's. Every linked node holds the same view; `mesh.state.changed`
 * tells each change with the node that owns the entry. A node's entries leave the view when its
 * link is lost and not back within `stateGraceMs`, at once when it left on purpose (unchecked,
 * removed, disabled, re-keyed); a restarted node's new instance replaces its old entries. In
 * memory only: the state of live nodes, not history (limits: `STATE_LIMITS`).
 *
 * How: each node sends its own entries only — a snapshot when a link comes up or when the peer
 * asks, then numbered deltas — over its one link to each peer; a peer that sees a gap or an
 * unknown instance asks for a snapshot. Nothing is relayed, so a node sees the entries of the
 * nodes it is linked to. Messages from peers are checked item by item; bad ones are dropped and
 * logged, the link goes on.
 */
@Injectable()
export class MeshStateService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MeshState');
  private readonly store = new StateStore();
  private readonly syncs = new Map<string, OwnerSync>();
  private readonly outboxes = new Map<string, PeerOutbox>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** This instance's last change; every set or delete that changes something counts one up. */
  private version = 0;
  /** Changes not sent yet: they go out together at the end of the tick. */
  private unsent: StateOp[] = [];
  private flushing = false;
  private stopped = false;
  private readonly messageBytes: number;

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly link: LinkService,
    private readonly identity: NodeIdentityService,
    private readonly connections: ConnectionManager,
    private readonly bus: MeshEventBus,
    private readonly hooks: MeshHooks,
  ) {
    this.messageBytes = Math.max(1024, Math.min(MESSAGE_BYTES, Math.floor(config.maxFrameBytes / 2)));
    // After the registry lists the node: it gets this node's entries.
    hooks.linkUp.add('MeshStateService', HOOK_ORDER.features, ({ nodeId }) => this.linkUp(nodeId));
    connections.watch({
      up: () => undefined,
      down: (link, failure) => this.linkDown(link.nodeId, failure.reason),
    });
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of [...this.graceTimers.values(), ...this.retryTimers.values()]) clearTimeout(timer);
    for (const outbox of this.outboxes.values()) outbox.close();
  }

  /**
   * Sets this node's entry `key` of `map` (a JSON-like value: null, booleans, finite numbers,
   * strings, arrays and plain objects) and sends it to every linked node.
   * @throws MeshStateError naming the argument at fault (see `STATE_LIMITS`)
   */
  set(map: string, key: string, value: unknown): void {
    const problem = mapNameProblem(map) ?? keyProblem(key);
    if (problem) throw new MeshStateError(problem);
    const vetted = vetValue(value);
    if ('problem' in vetted) throw new MeshStateError(vetted.problem);
    const self = this.identity.nodeId;
    if (!this.store.has(self, map, key) && this.store.count(self) >= STATE_LIMITS.maxEntriesPerNode)
      throw new MeshStateError(`a node owns at most ${STATE_LIMITS.maxEntriesPerNode} entries`);
    const change = this.store.set(self, map, key, vetted.stored);
    if (change) this.changedHere(change, [map, key, vetted.stored]);
  }

  /** Deletes this node's entry `key` of `map` everywhere; false when it had none. */
  delete(map: string, key: string): boolean {
    const change = this.store.delete(this.identity.nodeId, map, key, 'delete');
    if (change) this.changedHere(change, [map, key]);
    return change !== undefined;
  }

  /** Every node's entry for `key` of `map` (this node's included), by node ID. */
  get<T = unknown>(map: string, key: string): Array<StateEntry<T>> {
    return this.store.get<T>(map, key);
  }

  /** The entries of `map` of every node (or of `nodeId`), by node ID and key. */
  entries<T = unknown>(map: string, nodeId?: string): Array<StateEntry<T>> {
    return this.store.entries<T>(map, nodeId);
  }

  @OnMeshEvent(STATE_TOPICS.snapshot)
  onSnapshot(payload: unknown, { fromNodeId }: MeshMessageContext): void {
    if (!this.link.active) return;
    try {
      const { message, problems } = readSnapshotPart(payload, this.wireContext(fromNodeId));
      this.dropped(fromNodeId, problems);
      this.follow(fromNodeId, this.sync(fromNodeId).snapshotPart(message));
    } catch (error: unknown) {
      this.refuse(fromNodeId, error);
    }
  }

  @OnMeshEvent(STATE_TOPICS.delta)
  onDelta(payload: unknown, { fromNodeId }: MeshMessageContext): void {
    if (!this.link.active) return;
    try {
      const { message, problems } = readDelta(payload, this.wireContext(fromNodeId));
      this.dropped(fromNodeId, problems);
      this.follow(fromNodeId, this.sync(fromNodeId).delta(message));
    } catch (error: unknown) {
      this.refuse(fromNodeId, error);
    }
  }

  /** A peer missed something of this node's: it gets a snapshot (one queued at a time). */
  @OnMeshEvent(STATE_TOPICS.resync)
  onResync(_payload: unknown, { fromNodeId }: MeshMessageContext): void {
    if (!this.link.active) return;
    this.outboxes.get(fromNodeId)?.snapshot();
  }

  private follow(owner: string, step: SyncStep): void {
    switch (step.kind) {
      case 'wait':
        return;
      case 'resync':
        this.logger.debug(`asking ${owner} for its state: ${step.why}`);
        this.link.send(owner, STATE_TOPICS.resync, {}).catch(() => undefined);
        return;
      case 'replace':
        if (step.dropped > 0)
          this.dropped(owner, [`${step.dropped} entries beyond ${STATE_LIMITS.maxEntriesPerNode}`]);
        this.emitAll(this.store.replace(owner, step.entries, step.restarted ? 'node-restarted' : 'delete'));
        return;
      case 'apply': {
        let full = 0;
        for (const op of step.ops) {
          if (op === null) continue;
          const [map, key, stored] = op;
          if (!stored) {
            this.emitAll([this.store.delete(owner, map, key, 'delete')]);
          } else if (
            this.store.count(owner) >= STATE_LIMITS.maxEntriesPerNode &&
            !this.store.has(owner, map, key)
          ) {
            full++;
          } else this.emitAll([this.store.set(owner, map, key, stored)]);
        }
        if (full > 0) this.dropped(owner, [`${full} entries beyond ${STATE_LIMITS.maxEntriesPerNode}`]);
      }
    }
  }

  private linkUp(nodeId: string): void {
    if (this.stopped || !this.link.active || !this.link.isLinked(nodeId)) return;
    this.clearTimer(this.graceTimers, nodeId);
    this.clearTimer(this.retryTimers, nodeId);
    this.outboxes.get(nodeId)?.close();
    const outbox = new PeerOutbox(
      (topic, payload) => this.link.send(nodeId, topic, payload),
      () => this.snapshotPayloads(),
      (error) => this.sendFailed(nodeId, outbox, error),
    );
    this.outboxes.set(nodeId, outbox);
    outbox.snapshot();
  }

  private linkDown(nodeId: string, reason: LinkReason): void {
    this.outboxes.get(nodeId)?.close();
    this.outboxes.delete(nodeId);
    this.clearTimer(this.retryTimers, nodeId);
    this.syncs.get(nodeId)?.linkDown();
    if (this.stopped) return;
    if (leavesAtOnce(reason) || this.config.stateGraceMs === 0) return this.leave(nodeId);
    this.clearTimer(this.graceTimers, nodeId);
    const timer = setTimeout(() => {
      this.graceTimers.delete(nodeId);
      if (!this.link.isLinked(nodeId)) this.leave(nodeId);
    }, this.config.stateGraceMs);
    timer.unref();
    this.graceTimers.set(nodeId, timer);
  }

  /** The node left: its entries go; when it comes back it sends them again. */
  private leave(nodeId: string): void {
    this.clearTimer(this.graceTimers, nodeId);
    this.syncs.delete(nodeId);
    this.emitAll(this.store.drop(nodeId, 'node-left'));
  }

  /** A send to a linked peer failed (backpressure, say): a fresh snapshot follows after a pause. */
  private sendFailed(nodeId: string, outbox: PeerOutbox, error: unknown): void {
    this.logger.warn(`state to ${nodeId} not sent: ${errorMessage(error)}; sending it again`);
    this.clearTimer(this.retryTimers, nodeId);
    const timer = setTimeout(() => {
      this.retryTimers.delete(nodeId);
      if (this.outboxes.get(nodeId) === outbox && this.link.isLinked(nodeId)) outbox.snapshot();
    }, RETRY_MS);
    timer.unref();
    this.retryTimers.set(nodeId, timer);
  }

  private changedHere(change: StateChange, op: NonNullable<StateOp>): void {
    this.version++;
    // Without peers nothing is queued: a peer linked later gets a snapshot. Once something is
    // queued, every change is, so the numbers stay consecutive.
    if (this.outboxes.size > 0 || this.unsent.length > 0) {
      this.unsent.push(op);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    }
    this.emitAll([change]);
  }

  /** This tick's changes to every peer that has had a snapshot, numbered up to `version`. */
  private flush(): void {
    this.flushing = false;
    const ops = this.unsent;
    this.unsent = [];
    if (ops.length === 0 || this.stopped) return;
    const self = this.identity.nodeId;
    const instanceId = this.link.instanceId;
    // Once one change is queued every later one is, so they are the last `ops.length` versions.
    let version = this.version - ops.length + 1;
    const payloads = inParts(ops, (op) => wireSize(op!), this.messageBytes).map((part) => {
      const payload = deltaPayload(self, { instanceId, version, ops: part });
      version += part.length;
      return payload;
    });
    for (const outbox of this.outboxes.values()) outbox.delta(payloads);
  }

  /** This node's entries now, in parts; at least one part, so an empty state replaces an old one. */
  private snapshotPayloads(): unknown[] {
    const self = this.identity.nodeId;
    const instanceId = this.link.instanceId;
    const version = this.version;
    const parts = inParts(this.store.owned(self), (entry) => wireSize(entry), this.messageBytes);
    return parts.map((entries, part) =>
      snapshotPayload(self, { instanceId, version, part, final: part === parts.length - 1, entries }),
    );
  }

  private sync(owner: string): OwnerSync {
    let sync = this.syncs.get(owner);
    if (!sync) this.syncs.set(owner, (sync = new OwnerSync()));
    return sync;
  }

  private wireContext(peer: string): WireContext {
    return {
      self: this.identity.nodeId,
      peer,
      peerInstanceId: this.connections.get(peer)?.peer.instanceId,
    };
  }

  private emitAll(changes: Array<StateChange | undefined>): void {
    for (const change of changes) {
      if (!change) continue;
      void this.hooks.stateChanged.run(change);
      this.bus.emit('mesh.state.changed', change);
    }
  }

  private dropped(fromNodeId: string, problems: string[]): void {
    if (problems.length === 0) return;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    this.logger.warn(`dropped ${problems.length} state items from ${fromNodeId}: ${problems[0]}${more}`);
  }

  private refuse(fromNodeId: string, error: unknown): void {
    if (!(error instanceof StateWireError)) throw error;
    this.logger.warn(`refused state from ${fromNodeId}: ${error.message}`);
  }

  private clearTimer(timers: Map<string, NodeJS.Timeout>, nodeId: string): void {
    clearTimeout(timers.get(nodeId));
    timers.delete(nodeId);
  }
}
