import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { asBigInt } from './bigint-column.js';

/** A call that has CallData; its fields are rows of `calldata_field`. */
@Entity('calldata_call')
export class CallDataCallEntity {
  @PrimaryColumn({ name: 'call_linkage_id', type: 'varchar', length: 128 })
  callLinkageId!: string;

  /** Node of the earliest change: the same on every node, whatever order changes arrived in. */
  @Column({ name: 'origin_node_id', type: 'uuid' })
  originNodeId!: string;

  /** Hybrid-clock stamp of that earliest change (ties broken by `originNodeId`). */
  @Column({ name: 'first_hlc', type: 'bigint', transformer: asBigInt })
  firstHlc!: bigint;

  /** Stamp of the newest change: `updatedAt`, and what retention purges by. */
  @Index('IDX_calldata_call_updated_hlc')
  @Column({ name: 'updated_hlc', type: 'bigint', transformer: asBigInt })
  updatedHlc!: bigint;
}
