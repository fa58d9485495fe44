import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CallDataFieldChanges } from '../calldata.js';
import { asBigInt, asNumber } from './bigint-column.js';

/**
 * The replication log: every change this node knows of, its own and every other node's, so that a
 * peer that was away catches up from whichever node it reaches — also with changes of a third node.
 * Changes made while the mesh is inactive are never written here: they stay local.
 */
@Entity('calldata_change')
export class CallDataChangeEntity {
  @PrimaryColumn({ name: 'origin_node_id', type: 'uuid' })
  originNodeId!: string;

  /** 1, 2, 3… per origin, without gaps at the origin. */
  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  seq!: number;

  @Index('IDX_calldata_change_call')
  @Column({ name: 'call_linkage_id', type: 'varchar', length: 128 })
  callLinkageId!: string;

  @Index('IDX_calldata_change_hlc')
  @Column({ type: 'bigint', transformer: asBigInt })
  hlc!: bigint;

  @Column({ type: 'jsonb' })
  fields!: CallDataFieldChanges;

  /**
   * Received from a node other than its origin and not yet confirmed by the origin itself: the
   * origin's own copy of the same (origin, seq) replaces it if it differs (docs/SECURITY.md).
   */
  @Column({ type: 'boolean', default: false })
  relayed!: boolean;
}
