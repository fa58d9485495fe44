import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CallData, CallDataChange, CallDataFieldChanges } from '../calldata.js';
import { HybridClock } from '../clock/hybrid-clock.js';
import { mergeChanges } from '../field-merge.js';
import { highestOf, ReplicationProgress } from '../replication/replication-progress.js';
import {
  changeKey,
  insertChanges,
  mergeFields,
  purgeBefore,
  readCalls,
  readProgress,
  saveProgress,
  upsertCalls,
} from './calldata-statements.js';

/** What a committed batch changed, for events and replication. */
export interface CommittedBatch {
  /** Calls whose visible fields changed, by who changed them. */
  updated: Array<{ source: 'local' | 'remote'; callLinkageId: string; changedKeys: string[] }>;
  /** The calls of `updated`, as they are now — read only when `wantCalls` asked for them. */
  calls: Map<string, CallData>;
  /** This node's own new changes to send to the peers, in log order. */
  replicate: CallDataChange[];
  /** Stamps of the peers' changes new in this batch (a duplicate was applied when it first came). */
  remoteStamps: bigint[];
}

type Deferred<T> = { resolve: (value: T) => void; reject: (error: unknown) => void };

type Operation =
  | ({
      kind: 'set';
      callLinkageId: string;
      fields: CallDataFieldChanges;
      replicate: boolean;
    } & Deferred<CallData>)
  | ({ kind: 'apply'; changes: CallDataChange[]; through: Record<string, number> } & Deferred<void>)
  | ({ kind: 'purge'; before: bigint; limit: number } & Deferred<number>);

/** Operations taken into one transaction at most; a set counts 1, an applied change 1. */
const MAX_BATCH_WEIGHT = 4096;

/**
 * The only writer of the CallData tables. Operations queue up and are committed in batches, one
 * transaction each (group commit): a `set` resolves once its batch is committed, so it is durable,
 * and a burst of sets or a page of replicated changes costs a few statements, not one per change.
 * Batches run one after another, which keeps this node's own log free of gaps and in stamp order.
 */
@Injectable()
export class CallDataWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('CallData');
  private readonly queue: Operation[] = [];
  private queuedChanges = 0;
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private readonly listeners: Array<(batch: CommittedBatch) => void> = [];
  readonly progress = new ReplicationProgress();
  readonly clock = new HybridClock();
  private nodeId = '';
  /**
   * A batch failed after it was sent: its commit may have happened all the same (the answer lost
   * with the connection), numbering this node's changes in the log. The progress is read again
   * before more are numbered, else the next change would reuse a number and never reach the peers.
   */
  private progressUnsure = false;
  /** Whether a batch of replicated changes reads its calls back (for `calldata.updated`). */
  readUpdatedCalls: () => boolean = () => true;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Reads the progress through the log; `nodeId` is this node, the origin of its own changes. */
  async load(nodeId: string): Promise<void> {
    this.nodeId = nodeId;
    const rows = await readProgress(this.dataSource.manager);
    this.progress.load(
      rows.map(({ origin, applied, above }) => [origin, { applied, above: new Set(above) }]),
    );
  }

  /** Called after every commit, in commit order. */
  onCommitted(listener: (batch: CommittedBatch) => void): void {
    this.listeners.push(listener);
  }

  /** Merges fields into a call; with `replicate`, also logs the change for the peers. */
  set(callLinkageId: string, fields: CallDataFieldChanges, replicate: boolean): Promise<CallData> {
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'set', callLinkageId, fields, replicate, resolve, reject }),
    );
  }

  /**
   * Applies changes from a peer (duplicates are skipped). `through`: per origin, the peer's log is
   * complete up to there, so missing changes below were purged and need not be waited for.
   */
  apply(changes: CallDataChange[], through: Record<string, number> = {}): Promise<void> {
    this.queuedChanges += changes.length;
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'apply', changes, through, resolve, reject }),
    );
  }

  /** Removes up to `limit` calls unchanged since `before`; answers how many. */
  purge(before: bigint, limit: number): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'purge', before, limit, resolve, reject }));
  }

  /** Replicated changes waiting for the database: a receiver behind its peers stops queueing. */
  get backlog(): number {
    return this.queuedChanges;
  }

  private enqueue(operation: Operation): void {
    this.queue.push(operation);
    if (this.draining) return;
    // Set and cleared synchronously with the queue checks, so no operation is left behind.
    this.draining = true;
    this.drained = this.drain();
  }

  /** What is queued is still committed (and answered) before the database goes away. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drained;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Callers whose set just resolved often set again at once: let them join the next batch.
        await new Promise((done) => setImmediate(done));
        const batch = this.takeBatch();
        try {
          await this.run(batch);
        } catch (error: unknown) {
          // One bad operation must not fail the others that shared its transaction.
          if (batch.length === 1) this.fail(batch[0]!, error);
          else
            for (const operation of batch)
              await this.run([operation]).catch((e: unknown) => this.fail(operation, e));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private takeBatch(): Operation[] {
    const first = this.queue.shift()!;
    if (first.kind === 'purge') return [first];
    const batch: Operation[] = [first];
    let weight = weightOf(first);
    while (this.queue.length > 0 && this.queue[0]!.kind !== 'purge') {
      const next = this.queue[0]!;
      if (weight + weightOf(next) > MAX_BATCH_WEIGHT) break;
      batch.push(this.queue.shift()!);
      weight += weightOf(next);
    }
    return batch;
  }

  private fail(operation: Operation, error: unknown): void {
    if (operation.kind === 'apply') this.queuedChanges -= operation.changes.length;
    this.logger.error(
      `a CallData ${operation.kind} failed`,
      error instanceof Error ? error.stack : String(error),
    );
    operation.reject(error);
  }

  private async run(batch: Operation[]): Promise<void> {
    const [first] = batch;
    if (first?.kind === 'purge') {
      first.resolve(await purgeBefore(this.dataSource.manager, first.before, first.limit));
      return;
    }
    if (this.progressUnsure) {
      await this.load(this.nodeId);
      this.progressUnsure = false;
    }
    const plan = this.stamp(batch);
    let committed: CommittedBatch;
    try {
      committed = await this.dataSource.transaction((db) => this.write(db, batch, plan));
    } catch (error: unknown) {
      this.progressUnsure = true;
      throw error;
    }
    this.progress.adopt(plan.progress);
    for (const operation of batch) {
      if (operation.kind === 'apply') {
        this.queuedChanges -= operation.changes.length;
        operation.resolve();
      } else if (operation.kind === 'set') {
        operation.resolve(committed.calls.get(operation.callLinkageId)!);
      }
    }
    for (const listener of this.listeners) {
      // Committed is committed: a failing listener must not make the batch look failed (and retried).
      try {
        listener(committed);
      } catch (error: unknown) {
        this.logger.error('a CallData listener failed', error instanceof Error ? error.stack : String(error));
      }
    }
  }

  /** Stamps and numbers the sets, after observing the peers' stamps so local changes order after them. */
  private stamp(batch: Operation[]) {
    const remote: CallDataChange[] = [];
    const throughs = new Map<string, number>();
    for (const operation of batch) {
      if (operation.kind !== 'apply') continue;
      for (const change of operation.changes) {
        this.clock.observe(change.hlc);
        remote.push(change);
      }
      for (const [origin, seq] of Object.entries(operation.through)) {
        throughs.set(origin, Math.max(throughs.get(origin) ?? 0, seq));
      }
    }
    // Sets while the mesh is active get the next sequence numbers and go into the log; the others
    // stay local (seq 0, never logged, never sent).
    const logged: CallDataChange[] = [];
    const unlogged: CallDataChange[] = [];
    let seq = this.progress.applied(this.nodeId);
    for (const operation of batch) {
      if (operation.kind !== 'set') continue;
      const { callLinkageId, fields, replicate } = operation;
      const change = {
        origin: this.nodeId,
        seq: replicate ? ++seq : 0,
        callLinkageId,
        hlc: this.clock.now(),
        fields,
      };
      (replicate ? logged : unlogged).push(change);
    }
    const updates = new Map<string, { held: number[]; through?: number }>();
    for (const [origin, through] of throughs) updates.set(origin, { held: [], through });
    for (const change of [...remote, ...logged]) {
      const update = updates.get(change.origin);
      if (update) update.held.push(change.seq);
      else updates.set(change.origin, { held: [change.seq] });
    }
    return { remote, logged, unlogged, progress: this.progress.plan(updates) };
  }

  private async write(
    db: EntityManager,
    batch: Operation[],
    plan: ReturnType<CallDataWriter['stamp']>,
  ): Promise<CommittedBatch> {
    const { logged, unlogged } = plan;
    const fresh = await insertChanges(db, [...plan.remote, ...logged]);
    // A change already in the log was merged when it first came.
    const remote = plan.remote.filter((c) => fresh.has(changeKey(c.origin, c.seq)));
    const changes = [...remote, ...logged, ...unlogged];
    const { writes, calls } = mergeChanges(changes);
    await upsertCalls(db, calls);
    const changed = await mergeFields(db, writes);
    await saveProgress(
      db,
      [...plan.progress].map(([origin, p]) => ({
        origin,
        applied: p.applied,
        highest: highestOf(p),
      })),
    );
    const updated = updatedCalls(changed, new Set([...logged, ...unlogged].map((c) => c.callLinkageId)));
    const wanted = new Set(updated.map((u) => u.callLinkageId));
    for (const operation of batch) if (operation.kind === 'set') wanted.add(operation.callLinkageId);
    const read = this.readUpdatedCalls() || batch.some((o) => o.kind === 'set');
    return {
      updated,
      calls: read ? await readCalls(db, [...wanted]) : new Map<string, CallData>(),
      replicate: logged,
      remoteStamps: remote.map((c) => c.hlc),
    };
  }
}

/** Changed fields grouped by call; a call set locally in this batch counts as a local update. */
function updatedCalls(
  changed: Array<{ callLinkageId: string; name: string }>,
  setHere: Set<string>,
): CommittedBatch['updated'] {
  const byCall = new Map<string, string[]>();
  for (const { callLinkageId, name } of changed) {
    const keys = byCall.get(callLinkageId);
    if (keys) keys.push(name);
    else byCall.set(callLinkageId, [name]);
  }
  return [...byCall].map(([callLinkageId, changedKeys]) => ({
    source: setHere.has(callLinkageId) ? 'local' : 'remote',
    callLinkageId,
    changedKeys,
  }));
}

function weightOf(operation: Operation): number {
  return operation.kind === 'apply' ? Math.max(1, operation.changes.length) : 1;
}
