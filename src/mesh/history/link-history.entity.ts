import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One status change of the link to a node in this node's list, by the address it is dialled at
 * (as `mesh_node` keys it): the last `LINK_HISTORY_LIMIT` per address are kept.
 */
@Entity('mesh_link_history')
@Index('IDX_mesh_link_history_address_at', ['host', 'port', 'at'])
export class LinkHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 253 })
  host!: string;

  @Column({ type: 'integer' })
  port!: number;

  /** The node behind the address when it was known. */
  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  message!: string | null;
}
