import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LinkService, NodeIdentityService } from '../mesh/index.js';
import { checkCallLinkageId, checkFieldChanges } from './calldata-limits.js';
import { CallDataValidationError } from './calldata-validation.error.js';
import type { CallData, CallDataFieldChanges, CallDataSetResult, CallDataUpdated } from './calldata.js';
import { stampAt } from './clock/hybrid-clock.js';
import { readCalls, readCallsSince } from './store/calldata-statements.js';
import { CallDataWriter, type CommittedBatch } from './store/calldata-writer.js';

/**
 * CallData of calls: key/value text fields keyed by the PBX's call linkage ID. Changes are
 * committed to PostgreSQL before `set` resolves and, while the mesh is active (enabled and
 * licensed), replicated to every other node; changes made while it is inactive stay on this node
 * and are never sent, not even later. Every change, local or replicated, emits `calldata.updated`.
 */
@Injectable()
export class CallDataService implements OnModuleInit {
  constructor(
    private readonly writer: CallDataWriter,
    private readonly link: LinkService,
    private readonly identity: NodeIdentityService,
    private readonly events: EventEmitter2,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    writer.onCommitted((batch) => this.announce(batch));
  }

  async onModuleInit(): Promise<void> {
    await this.writer.load(this.identity.nodeId);
  }

  /**
   * Merges `fields` into the call's CallData: a string sets a field, `null` removes it; fields not
   * named stay. Resolves with the merged CallData once it is committed; a field of the set that a
   * newer write won (a concurrent change of another node) is listed in `superseded`, with the node
   * that holds it — the answer never silently contradicts the set. A set is stamped above the
   * fields it overwrites, so only a concurrent write can win over it.
   * @throws CallDataValidationError for an ID or fields outside CALLDATA_LIMITS.
   */
  async set(callLinkageId: string, fields: CallDataFieldChanges): Promise<CallDataSetResult> {
    checkCallLinkageId(callLinkageId);
    checkFieldChanges(fields);
    return this.writer.set(callLinkageId, { ...fields }, this.link.active);
  }

  /** The call's CallData, or null when this node has none. */
  async get(callLinkageId: string): Promise<CallData | null> {
    checkCallLinkageId(callLinkageId);
    return (await readCalls(this.dataSource.manager, [callLinkageId])).get(callLinkageId) ?? null;
  }

  /**
   * Calls changed at or after `since` (default: all), oldest change first, at most `limit`
   * (default 100, at most 1000). Page on with the last call's `updatedAt`: calls changed in that
   * same millisecond come again.
   */
  async list(options: { since?: Date; limit?: number } = {}): Promise<CallData[]> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new CallDataValidationError('limit', 'limit must be an integer from 1 to 1000');
    }
    const since = options.since?.getTime() ?? 0;
    if (!Number.isFinite(since) || since < 0)
      throw new CallDataValidationError('since', 'since must be a valid time');
    return readCallsSince(this.dataSource.manager, stampAt(since), limit);
  }

  private announce({ updated, calls }: CommittedBatch): void {
    for (const { source, callLinkageId, changedKeys } of updated) {
      const callData = calls.get(callLinkageId);
      if (!callData) continue;
      const event: CallDataUpdated = { callData, source, changedKeys };
      this.events.emit('calldata.updated', event);
    }
  }
}
