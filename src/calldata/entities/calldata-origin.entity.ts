import { Column, Entity, PrimaryColumn } from 'typeorm';
import { asNumber } from './bigint-column.js';

/** How far this node has the replication log of one origin node. */
@Entity('calldata_origin')
export class CallDataOriginEntity {
  @PrimaryColumn({ name: 'origin_node_id', type: 'uuid' })
  originNodeId!: string;

  /** Every change of the origin up to here is applied (or was purged by retention). */
  @Column({ name: 'applied_seq', type: 'bigint', transformer: asNumber })
  appliedSeq!: number;

  /** The highest change held; above `appliedSeq` while a gap waits to be filled. */
  @Column({ name: 'max_seq', type: 'bigint', transformer: asNumber })
  maxSeq!: number;

  /**
   * Every change of the origin up to here came from the origin itself (or was confirmed by it);
   * pulls from the origin start here, so what a third node relayed is checked against the original.
   */
  @Column({ name: 'confirmed_seq', type: 'bigint', transformer: asNumber, default: 0 })
  confirmedSeq!: number;
}
