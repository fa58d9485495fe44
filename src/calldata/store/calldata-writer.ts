import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CALLDATA_CONFIG, type CallDataConfig } from '../calldata-config.js';
import type {
  CallData,
  CallDataChange,
  CallDataFieldChanges,
  CallDataSetResult,
  SupersededField,
} from '../calldata.js';
import { HybridClock, wallTimeOf } from '../clock/hybrid-clock.js';
import { type FieldWrite, isNewer, mergeChanges, type Stamp } from '../field-merge.js';
import { ReplicationAudit } from '../replication/replication-audit.js';
import { highestOf, ReplicationProgress } from '../replication/replication-progress.js';
import { sameChange, takeBackForged } from './forged-changes.js';
import { repairPoisonedState } from './calldata-repair.js';
import {
  changeKey,
  confirmLogged,
  insertChanges,
  mergeFields,
  purgeBefore,
  readCalls,
  readFieldStamps,
  readHighWater,
  readLogged,
  readProgress,
  replaceLogged,
  saveProgress,
  upsertCalls,
} from './calldata-statements.js';
import { describeError } from '../../common/describe-error.js';

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

/** A change held under an (origin, seq) with other content than one arriving now. */
export interface ChangeConflict {
  origin: string;
  seq: number;
  /** The peer the arriving copy came from. */
  from: string;
  /** `replaced`: the origin's own copy replaced a relayed one; `kept`: the arriving copy was dropped. */
  outcome: 'replaced' | 'kept';
}

type Deferred<T> = { resolve: (value: T) => void; reject: (error: unknown) => void };

type Operation =
  | ({
      kind: 'set';
      callLinkageId: string;
      fields: CallDataFieldChanges;
      replicate: boolean;
    } & Deferred<CallDataSetResult>)
  | ({
      kind: 'apply';
      changes: CallDataChange[];
      through: Record<string, number>;
      /** The peer that sent the changes; `''` for none known (all taken as relayed). */
      from: string;
    } & Deferred<void>)
  | ({ kind: 'purge'; before: bigint; limit: number } & Deferred<number>);

type SetOperation = Extract<Operation, { kind: 'set' }>;
type ApplyOperation = Extract<Operation, { kind: 'apply' }>;

/** Local sets taken into one transaction at most. */
const MAX_SETS = 4096;
/**
 * Field writes of peers' changes taken into one transaction at most: a bulk of remote changes is
 * committed in slices this big, each after the local sets waiting, so a local set waits for one
 * slice at most (local first) — and a batch with local sets takes a smaller slice beside them.
 */
const REMOTE_FIELDS_PER_BATCH = 2048;
const REMOTE_FIELDS_BESIDE_SETS = 256;

/**
 * The only writer of the CallData tables. Operations queue up and are committed in batches, one
 * transaction each (group commit): a `set` resolves once its batch is committed, so it is durable,
 * and a burst of sets or a page of replicated changes costs a few statements, not one per change.
 * Batches run one after another, which keeps this node's own log free of gaps and in stamp order.
 */
@Injectable()
export class CallDataWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('CallData');
  /** Local sets and purges, taken first. */
  private readonly local: Operation[] = [];
  /** Peers' changes, taken in bounded slices after the local operations. */
  private readonly remote: ApplyOperation[] = [];
  private queuedChanges = 0;
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private readonly listeners: Array<(batch: CommittedBatch) => void> = [];
  readonly progress = new ReplicationProgress();
  readonly clock: HybridClock;
  /** Per origin: its log up to here came from (or was confirmed by) the origin itself. */
  private readonly confirmed = new Map<string, number>();
  private nodeId = '';
  /**
   * A batch failed after it was sent: its commit may have happened all the same (the answer lost
   * with the connection), numbering this node's changes in the log. The progress is read again
   * before more are numbered, else the next change would reuse a number and never reach the peers.
   */
  private progressUnsure = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CALLDATA_CONFIG) config: CallDataConfig,
    private readonly events: EventEmitter2,
    private readonly audit: ReplicationAudit,
  ) {
    this.clock = new HybridClock(config.clock);
  }

  /** Conflicts found in a committed batch go to the audit (logged and counted there). */
  private reportConflicts(conflicts: ChangeConflict[]): void {
    for (const c of conflicts)
      this.audit.refuse(c.from, [
        {
          reason: 'conflict',
          count: 1,
          example: `change ${c.origin}#${c.seq} differs from the copy held (${c.outcome === 'replaced' ? "the origin's copy replaced the relayed one" : 'the held copy stays'})`,
        },
      ]);
  }

  /**
   * Repairs a poisoned state (calldata-repair.ts), reads the progress through the log and lets the
   * clock continue from the newest stamp stored; `nodeId` is this node, the origin of its own changes.
   */
  async load(nodeId: string): Promise<void> {
    this.nodeId = nodeId;
    const repaired = await this.dataSource.transaction((db) =>
      repairPoisonedState(db, nodeId, this.clock.limit(), this.clock.wall()),
    );
    if (repaired.length > 0) this.logger.warn(`repaired CallData at start: ${repaired.join(', ')}`);
    this.clock.restore(await readHighWater(this.dataSource.manager));
    await this.reload();
  }

  private async reload(): Promise<void> {
    const rows = await readProgress(this.dataSource.manager);
    this.progress.load(
      rows.map(({ origin, applied, above }) => [origin, { applied, above: new Set(above) }]),
    );
    this.confirmed.clear();
    for (const { origin, confirmed } of rows) this.confirmed.set(origin, confirmed);
  }

  /**
   * The vector to pull from `peer` with: for the peer's own changes, only as far as the peer
   * confirmed them, so it sends again what a third node relayed, to be checked against the original.
   */
  pullVector(peer: string): Record<string, number> {
    const vector = this.progress.vector();
    if (peer in vector) vector[peer] = Math.min(vector[peer]!, this.confirmed.get(peer) ?? 0);
    return vector;
  }

  /** Called after every commit, in commit order. */
  onCommitted(listener: (batch: CommittedBatch) => void): void {
    this.listeners.push(listener);
  }

  /** Merges fields into a call; with `replicate`, also logs the change for the peers. */
  set(callLinkageId: string, fields: CallDataFieldChanges, replicate: boolean): Promise<CallDataSetResult> {
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'set', callLinkageId, fields, replicate, resolve, reject }),
    );
  }

  /**
   * Applies changes from the peer `from` (duplicates are skipped; a copy differing from the one held
   * is a conflict — the origin's own copy replaces a relayed one). `through`: per origin, the peer's
   * log is complete up to there, so missing changes below were purged and need not be waited for.
   */
  apply(changes: CallDataChange[], through: Record<string, number> = {}, from = ''): Promise<void> {
    this.queuedChanges += changes.length;
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'apply', changes, through, from, resolve, reject }),
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
    if (operation.kind === 'apply') this.remote.push(operation);
    else this.local.push(operation);
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
      while (this.local.length > 0 || this.remote.length > 0) {
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

  /**
   * Local first: the waiting sets, then peers' changes up to a budget of field writes —
   * a bigger apply is cut in slices, its `through` and its answer going with the last one.
   */
  private takeBatch(): Operation[] {
    if (this.local[0]?.kind === 'purge') return [this.local.shift()!];
    const batch: Operation[] = [];
    while (batch.length < MAX_SETS && this.local[0]?.kind === 'set') batch.push(this.local.shift()!);
    const budget = batch.length > 0 ? REMOTE_FIELDS_BESIDE_SETS : REMOTE_FIELDS_PER_BATCH;
    let fields = 0;
    while (this.remote.length > 0 && fields < budget) {
      const next = this.remote[0]!;
      let take = 0;
      let weight = 0;
      while (take < next.changes.length) {
        const w = Object.keys(next.changes[take]!.fields).length;
        if (take > 0 && fields + weight + w > budget) break;
        weight += w;
        take++;
        if (fields + weight >= budget) break;
      }
      fields += weight;
      if (take >= next.changes.length) {
        batch.push(this.remote.shift()!);
        continue;
      }
      // A slice: committed on its own; the rest stays queued with the through and the answer.
      batch.push({
        kind: 'apply',
        changes: next.changes.slice(0, take),
        through: {},
        from: next.from,
        resolve: () => undefined,
        reject: next.reject,
      });
      next.changes = next.changes.slice(take);
    }
    return batch;
  }

  private fail(operation: Operation, error: unknown): void {
    if (operation.kind === 'apply') this.queuedChanges -= operation.changes.length;
    this.logger.error(`a CallData ${operation.kind} failed`, describeError(error));
    operation.reject(error);
  }

  private async run(batch: Operation[]): Promise<void> {
    const [first] = batch;
    if (first?.kind === 'purge') {
      first.resolve(await purgeBefore(this.dataSource.manager, first.before, first.limit));
      return;
    }
    if (this.progressUnsure) {
      await this.reload();
      this.progressUnsure = false;
    }
    const plan = this.stamp(batch, await this.floors(batch));
    let committed: Awaited<ReturnType<CallDataWriter['write']>>;
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
        const superseded = committed.superseded.get(operation);
        const callData = committed.calls.get(operation.callLinkageId)!;
        operation.resolve(superseded ? { ...callData, superseded } : callData);
      }
    }
    for (const [origin, seq] of plan.confirmed) this.confirmed.set(origin, seq);
    if (committed.conflicts.length > 0) this.reportConflicts(committed.conflicts);
    for (const listener of this.listeners) {
      // Committed is committed: a failing listener must not make the batch look failed (and retried).
      try {
        listener(committed);
      } catch (error: unknown) {
        this.logger.error('a CallData listener failed', describeError(error));
      }
    }
  }

  /**
   * Per set, the newest stamp among the fields it overwrites: its own stamp goes above, so a set
   * wins over what it replaces (read-your-writes). Read outside the transaction: this writer is
   * the only one, so nothing changes them before it commits.
   */
  private async floors(batch: Operation[]): Promise<Floors> {
    const sets = batch.filter((o): o is SetOperation => o.kind === 'set');
    const stored = await readFieldStamps(
      this.dataSource.manager,
      sets.flatMap((o) => Object.keys(o.fields).map((key) => ({ callLinkageId: o.callLinkageId, key }))),
    );
    const fields = new Map(
      stored.map((f) => [fieldId(f.callLinkageId, f.key), { hlc: f.hlc, node: f.nodeId }]),
    );
    const floors = new Map<SetOperation, bigint>();
    for (const set of sets) {
      let floor = 0n;
      for (const key of Object.keys(set.fields)) {
        const hlc = fields.get(fieldId(set.callLinkageId, key))?.hlc ?? 0n;
        if (hlc > floor) floor = hlc;
      }
      floors.set(set, floor);
    }
    return { floors, fields };
  }

  /** Stamps and numbers the sets, after observing the peers' stamps so local changes order after them. */
  private stamp(batch: Operation[], { floors, fields: stored }: Floors) {
    const remote: CallDataChange[] = [];
    /** Keys of the remote changes sent by their origin itself. */
    const fromOrigin = new Set<string>();
    const throughs = new Map<string, number>();
    const confirmedSeqs = new Map<string, Set<number>>();
    for (const operation of batch) {
      if (operation.kind !== 'apply') continue;
      for (const change of operation.changes) {
        this.clock.observe(change.hlc);
        remote.push(change);
        if (change.origin === operation.from) {
          fromOrigin.add(changeKey(change.origin, change.seq));
          const seqs = confirmedSeqs.get(change.origin) ?? new Set<number>();
          confirmedSeqs.set(change.origin, seqs.add(change.seq));
        }
      }
      for (const [origin, seq] of Object.entries(operation.through)) {
        throughs.set(origin, Math.max(throughs.get(origin) ?? 0, seq));
      }
    }
    // How far each origin's log is confirmed after this batch: as far as the origin vouched for
    // its own log in a pull, and what it sent in a row.
    const confirmed = new Map<string, number>();
    for (const operation of batch) {
      if (operation.kind !== 'apply') continue;
      const origin = operation.from;
      const through = operation.through[origin];
      if (through !== undefined)
        confirmed.set(origin, Math.max(confirmed.get(origin) ?? this.confirmed.get(origin) ?? 0, through));
    }
    for (const [origin, seqs] of confirmedSeqs) {
      let top = confirmed.get(origin) ?? this.confirmed.get(origin) ?? 0;
      while (seqs.has(top + 1)) top++;
      confirmed.set(origin, top);
    }
    // Sets while the mesh is active get the next sequence numbers and go into the log; the others
    // stay local (seq 0, never logged, never sent).
    const logged: CallDataChange[] = [];
    const unlogged: CallDataChange[] = [];
    const stamped = new Map<SetOperation, CallDataChange>();
    let seq = this.progress.applied(this.nodeId);
    for (const operation of batch) {
      if (operation.kind !== 'set') continue;
      const { callLinkageId, fields, replicate } = operation;
      const change = {
        origin: this.nodeId,
        seq: replicate ? ++seq : 0,
        callLinkageId,
        hlc: this.clock.nowAfter(floors.get(operation) ?? 0n),
        fields,
      };
      (replicate ? logged : unlogged).push(change);
      stamped.set(operation, change);
    }
    const updates = new Map<string, { held: number[]; through?: number }>();
    for (const [origin, through] of throughs) updates.set(origin, { held: [], through });
    for (const change of [...remote, ...logged]) {
      const update = updates.get(change.origin);
      if (update) update.held.push(change.seq);
      else updates.set(change.origin, { held: [change.seq] });
    }
    return {
      remote,
      fromOrigin,
      logged,
      unlogged,
      stamped,
      stored,
      confirmed,
      progress: this.progress.plan(updates),
    };
  }

  private async write(
    db: EntityManager,
    batch: Operation[],
    plan: ReturnType<CallDataWriter['stamp']>,
  ): Promise<
    CommittedBatch & { superseded: Map<Operation, SupersededField[]>; conflicts: ChangeConflict[] }
  > {
    const { logged, unlogged, fromOrigin } = plan;
    const relayed = new Set(
      plan.remote.map((c) => changeKey(c.origin, c.seq)).filter((key) => !fromOrigin.has(key)),
    );
    const fresh = await insertChanges(db, [...plan.remote, ...logged], relayed);
    // A change already in the log was merged when it first came — unless this copy differs.
    const remote = plan.remote.filter((c) => fresh.has(changeKey(c.origin, c.seq)));
    const { replacing, conflicts } = await this.compareHeld(
      db,
      batch,
      plan.remote.filter((c) => !fresh.has(changeKey(c.origin, c.seq))),
      fromOrigin,
    );
    const changes = [...remote, ...replacing.map((r) => r.original), ...logged, ...unlogged];
    const { writes, calls } = mergeChanges(changes);
    await upsertCalls(db, calls);
    const changed = await mergeFields(db, writes);
    for (const taken of await takeBackForged(db, replacing)) changed.push(taken);
    await saveProgress(
      db,
      [...new Set([...plan.progress.keys(), ...plan.confirmed.keys()])].map((origin) => {
        const p = plan.progress.get(origin) ?? {
          applied: this.progress.applied(origin),
          above: new Set<number>(),
        };
        return {
          origin,
          applied: p.applied,
          highest: Math.max(highestOf(p), this.progress.highest(origin)),
          confirmed: Math.min(plan.confirmed.get(origin) ?? this.confirmed.get(origin) ?? 0, p.applied),
        };
      }),
    );
    const updated = updatedCalls(changed, new Set([...logged, ...unlogged].map((c) => c.callLinkageId)));
    const wanted = new Set(updated.map((u) => u.callLinkageId));
    for (const operation of batch) if (operation.kind === 'set') wanted.add(operation.callLinkageId);
    // Replicated changes read their calls back only for someone listening to `calldata.updated`.
    const read = this.events.hasListeners('calldata.updated') || batch.some((o) => o.kind === 'set');
    return {
      updated,
      calls: read ? await readCalls(db, [...wanted]) : new Map<string, CallData>(),
      replicate: logged,
      remoteStamps: remote.map((c) => c.hlc),
      superseded: superseded(plan.stamped, plan.stored, writes),
      conflicts,
    };
  }

  /**
   * Compares copies of changes already held with the held ones: the same content from the origin
   * confirms a relayed copy; other content from the origin replaces a relayed copy (`replacing`);
   * any other difference is a conflict that keeps what is held.
   */
  private async compareHeld(
    db: EntityManager,
    batch: Operation[],
    duplicates: CallDataChange[],
    fromOrigin: ReadonlySet<string>,
  ) {
    const replacing: Array<{ original: CallDataChange; forged: CallDataChange }> = [];
    const conflicts: ChangeConflict[] = [];
    if (duplicates.length === 0) return { replacing, conflicts };
    const held = new Map((await readLogged(db, duplicates)).map((c) => [changeKey(c.origin, c.seq), c]));
    const senders = new Map<CallDataChange, string>();
    for (const operation of batch)
      if (operation.kind === 'apply') for (const c of operation.changes) senders.set(c, operation.from);
    const confirm: CallDataChange[] = [];
    const seen = new Set<string>();
    for (const change of duplicates) {
      const key = changeKey(change.origin, change.seq);
      const copy = held.get(key);
      if (!copy || seen.has(key)) continue;
      seen.add(key);
      const byOrigin = fromOrigin.has(key);
      const from = senders.get(change) ?? '';
      if (sameChange(copy, change)) {
        if (byOrigin && copy.relayed) confirm.push(change);
      } else if (byOrigin && copy.relayed) {
        await replaceLogged(db, change);
        replacing.push({ original: change, forged: copy });
        conflicts.push({ origin: change.origin, seq: change.seq, from, outcome: 'replaced' });
      } else {
        conflicts.push({ origin: change.origin, seq: change.seq, from, outcome: 'kept' });
      }
    }
    await confirmLogged(db, confirm);
    return { replacing, conflicts };
  }
}

/** Per set, the newest stamp of the fields it overwrites; and those fields' stored stamps. */
interface Floors {
  floors: Map<SetOperation, bigint>;
  fields: Map<string, Stamp>;
}

function fieldId(callLinkageId: string, key: string): string {
  return `${callLinkageId}\0${key}`;
}

/**
 * The fields of each set that a newer write holds after the batch: the winner of the field is the
 * newer of its stored write (read before the batch, this writer being the only one) and the
 * batch's own winner — no read-back needed.
 */
function superseded(
  stamped: Map<SetOperation, CallDataChange>,
  stored: Map<string, Stamp>,
  writes: FieldWrite[],
): Map<Operation, SupersededField[]> {
  const result = new Map<Operation, SupersededField[]>();
  if (stamped.size === 0) return result;
  const batch = new Map(writes.map((w) => [fieldId(w.callLinkageId, w.key), w]));
  for (const [operation, change] of stamped) {
    const lost: SupersededField[] = [];
    for (const key of Object.keys(change.fields)) {
      const id = fieldId(change.callLinkageId, key);
      let winner: Stamp | undefined = batch.get(id);
      const before = stored.get(id);
      if (before && (!winner || isNewer(before, winner))) winner = before;
      if (winner && (winner.hlc !== change.hlc || winner.node !== change.origin))
        lost.push({ key, byNodeId: winner.node, updatedAt: wallTimeOf(winner.hlc).toISOString() });
    }
    if (lost.length > 0) result.set(operation, lost);
  }
  return result;
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
