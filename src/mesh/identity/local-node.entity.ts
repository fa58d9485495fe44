import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The one row that names this node: its ID is made on first start and never changes. */
@Entity('mesh_local_node')
@Check('CHK_mesh_local_node_singleton', '"singleton"')
export class LocalNodeEntity {
  /** Always true: the primary key allows exactly one row. */
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
