import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  HOOK_ORDER,
  LinkService,
  MeshHooks,
  type MeshMessageContext,
  MeshTopologyService,
  NodeIdentityService,
  OnMeshMessage,
} from '../../mesh/index.js';
import { CALLDATA_CONFIG, type CallDataConfig } from '../calldata-config.js';
import type { CallDataChange } from '../calldata.js';
import { readChanges } from '../store/calldata-statements.js';
import { CallDataWriter, type CommittedBatch } from '../store/calldata-writer.js';
import { type TrustContext, vetLiveChanges, vetPullAnswer } from './peer-trust.js';
import { ReplicationAudit } from './replication-audit.js';
import {
  CALLDATA_TOPICS,
  CallDataWireError,
  type PullAnswer,
  toWire,
  versionVector,
  wireSizeOf,
} from './wire-changes.js';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { errorMessage } from '../../common/describe-error.js';
import { SyncRotation } from './sync-rotation.js';

/** Bytes of changes per message: well under the 4 MiB frame limit, small enough to interleave. */
const MESSAGE_BYTES = 1 << 20;
/** Changes read per origin and page. */
const PAGE_ROWS = 2000;
/** Pages one catch-up takes at most before it yields to the next interval. */
const MAX_PAGES = 10_000;
/** Replicated changes waiting for the database above which live ones are dropped (and pulled later). */
const MAX_BACKLOG = 50_000;

/**
 * Replication of CallData over the mesh, only while it is active (enabled and licensed):
 * - live: each batch of this node's own changes goes to every linked node at once;
 * - catch-up: a node asks a peer for what it lacks — when their link comes up, when it sees a gap,
 *   and every `syncIntervalMs` (a few peers in turn, resting on a quiet mesh: sync-rotation.ts) —
 *   from the peer's replication log, changes of any origin included.
 * Delivery is idempotent (the log is keyed by origin and sequence number); the merge is per field.
 */
@Injectable()
export class CallDataReplicator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CallDataReplication');
  private readonly pulling = new Map<string, { again: boolean }>();
  /** Whom the periodic catch-up asks, and when it rests. */
  private readonly rotation = new SyncRotation();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly link: LinkService,
    private readonly writer: CallDataWriter,
    private readonly identity: NodeIdentityService,
    private readonly audit: ReplicationAudit,
    private readonly topology: MeshTopologyService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CALLDATA_CONFIG) private readonly config: CallDataConfig,
    hooks: MeshHooks,
  ) {
    writer.onCommitted((batch) => this.publish(batch));
    // After the registry lists the node: ask it at once for what this node lacks.
    hooks.linkUp.add('CallDataReplicator', HOOK_ORDER.features, ({ nodeId }) => {
      this.rotation.wake();
      this.pull(nodeId);
    });
    // A link that broke may have taken an origin's last message with it.
    hooks.linkDown.add('CallDataReplicator', HOOK_ORDER.features, () => this.rotation.wake());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.pullAll(), this.config.syncIntervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Live changes from their origin; a change of another origin is refused (it comes by pull). */
  @OnMeshMessage(CALLDATA_TOPICS.changes)
  async onChanges(payload: unknown, { fromNodeId }: MeshMessageContext): Promise<void> {
    if (!this.link.active) return;
    this.rotation.wake();
    let changes: CallDataChange[];
    try {
      const vetted = vetLiveChanges(payload, this.trust(fromNodeId));
      this.audit.refuse(fromNodeId, vetted.refusals);
      changes = vetted.changes;
    } catch (error: unknown) {
      return this.refuse(fromNodeId, error);
    }
    if (changes.length === 0) return;
    if (this.writer.backlog > MAX_BACKLOG) return this.pull(fromNodeId); // asked again once caught up
    await this.writer.apply(changes, {}, fromNodeId);
    if (changes.some((c) => this.writer.progress.applied(c.origin) < c.seq)) this.pull(fromNodeId);
  }

  /** A peer asks for what it lacks. */
  @OnMeshMessage(CALLDATA_TOPICS.pull)
  async onPull(payload: unknown): Promise<PullAnswer> {
    if (!this.link.active) throw new CallDataWireError('the mesh is not active on this node');
    const have = versionVector((payload as { have?: unknown } | null)?.have, 'have');
    const answer: PullAnswer = { changes: [], through: {}, more: false };
    let budget = MESSAGE_BYTES;
    for (const origin of this.writer.progress.aheadOf(have)) {
      // Read before the progress: what is applied now is in the log or was purged.
      const applied = this.writer.progress.applied(origin);
      const rows = await readChanges(this.dataSource.manager, origin, have[origin] ?? 0, PAGE_ROWS);
      let sent = 0;
      for (const change of rows) {
        if ((budget -= wireSizeOf(change)) < 0 && answer.changes.length > 0) break;
        answer.changes.push(toWire(change));
        sent++;
      }
      const complete = sent === rows.length && rows.length < PAGE_ROWS;
      // Vouch only for what this answer carries (peer-trust.ts): the asker refuses more.
      const last = rows[sent - 1]?.seq ?? have[origin] ?? 0;
      answer.through[origin] = Math.min(last, applied);
      if (!complete) answer.more = true;
      if (budget < 0) break;
    }
    if (budget < 0) answer.more = true;
    return answer;
  }

  /** Sends this node's own new changes to every linked node, in frames of bounded size. */
  private publish({ replicate }: CommittedBatch): void {
    if (replicate.length === 0 || !this.link.active || this.link.linkedNodes().length === 0) return;
    let chunk: CallDataChange[] = [];
    let bytes = 0;
    const flush = () => {
      // A peer that misses a message (it fell behind, or its link broke) sees the gap and pulls.
      this.link.broadcast(CALLDATA_TOPICS.changes, { changes: chunk.map(toWire) }).catch(() => undefined);
      chunk = [];
      bytes = 0;
    };
    for (const change of replicate) {
      const size = wireSizeOf(change);
      if (bytes + size > MESSAGE_BYTES && chunk.length > 0) flush();
      chunk.push(change);
      bytes += size;
    }
    flush();
  }

  /**
   * The periodic catch-up: a few linked peers in turn (sync-rotation.ts), all in a small mesh. It
   * never rests while a node of the mesh is not linked here: that node's changes reach this one
   * only through a peer's log, with no event here to tell of them.
   */
  private pullAll(): void {
    if (!this.link.active) return;
    const linked = this.link.linkedNodes().map((node) => node.nodeId);
    if (this.someoneUnlinked(linked)) this.rotation.wake();
    for (const nodeId of this.rotation.next(linked)) this.pull(nodeId);
  }

  /** A node this one knows of (its list, its peers' link tables) that is not linked here. */
  private someoneUnlinked(linked: string[]): boolean {
    const self = this.identity.nodeId;
    const here = new Set(linked);
    return this.topology.topology().nodes.some((node) => node.nodeId !== self && !here.has(node.nodeId));
  }

  /** Catches up from one peer; one catch-up per peer at a time, another right after if asked. */
  private pull(nodeId: string): void {
    const running = this.pulling.get(nodeId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.pulling.set(nodeId, state);
    void (async () => {
      try {
        do {
          state.again = false;
          await this.catchUp(nodeId);
        } while (state.again && !this.stopped);
      } catch (error: unknown) {
        // The link broke or the peer went inactive: the next link-up or interval asks again.
        this.rotation.wake();
        this.logger.debug(`catch-up from ${nodeId} stopped: ${errorMessage(error)}`);
      } finally {
        this.pulling.delete(nodeId);
      }
    })();
  }

  private async catchUp(nodeId: string): Promise<void> {
    let asked = '';
    for (let page = 0; page < MAX_PAGES && !this.stopped; page++) {
      if (!this.link.active || !this.link.isLinked(nodeId)) return;
      const have = this.writer.pullVector(nodeId);
      // A page that moved nothing (all of it refused) would come again unchanged: ask next interval.
      const asking = JSON.stringify(have);
      if (asking === asked) return;
      asked = asking;
      const answer = await this.link.request<PullAnswer | null>(nodeId, CALLDATA_TOPICS.pull, { have });
      const { changes, through, refusals } = vetPullAnswer(answer, have, this.trust(nodeId));
      this.audit.refuse(nodeId, refusals);
      // Something was missing here, or refused for now: the other peers may hold more of it.
      if (changes.length > 0 || refusals.length > 0) this.rotation.wake();
      if (changes.length > 0 || Object.keys(through).length > 0)
        await this.writer.apply(changes, through, nodeId);
      if (answer?.more !== true) return;
    }
  }

  private trust(peer: string): TrustContext {
    return { self: this.identity.nodeId, peer, stampLimit: this.writer.clock.limit() };
  }

  private refuse(fromNodeId: string, error: unknown): void {
    this.logger.warn(`dropped CallData from ${fromNodeId}: ${errorMessage(error)}`);
  }
}
