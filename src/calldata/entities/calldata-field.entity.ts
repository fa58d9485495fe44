import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { asBigInt } from './bigint-column.js';
import { CallDataCallEntity } from './calldata-call.entity.js';

/** One field of a call with the stamp of the write that won it (field-merge.ts). */
@Entity('calldata_field')
export class CallDataFieldEntity {
  @PrimaryColumn({ name: 'call_linkage_id', type: 'varchar', length: 128 })
  callLinkageId!: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  name!: string;

  /** Null: removed. The row stays so that an older write arriving later cannot bring it back. */
  @Column({ type: 'text', nullable: true })
  value!: string | null;

  @Column({ type: 'bigint', transformer: asBigInt })
  hlc!: bigint;

  /** The node whose change wrote it; breaks ties of `hlc`. */
  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @ManyToOne(() => CallDataCallEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'call_linkage_id' })
  call?: CallDataCallEntity;
}
