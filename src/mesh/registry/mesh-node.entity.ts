import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type NodeGroup = 'fixed' | 'discovered';

/** A node in this node's list: added by hand (fixed) or found (discovered). */
@Entity('mesh_node')
@Index('UQ_mesh_node_address', ['host', 'port'], { unique: true })
@Index('UQ_mesh_node_node_id', ['nodeId'], { unique: true, where: '"node_id" IS NOT NULL' })
export class MeshNodeEntity {
  /** Made by the application: no database extension is needed for it. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Learned from the node's hello or discovery answer; null until then. */
  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;

  /** Computer name (lower case) or address, as it is dialled. */
  @Column({ type: 'varchar', length: 253 })
  host!: string;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ name: 'node_group', type: 'varchar', length: 16 })
  group!: NodeGroup;

  /** The leading checkbox: whether a link to this node is made and accepted. */
  @Column({ type: 'boolean', default: true })
  connect!: boolean;

  /**
   * A fixed node's TLS requirement: links to and from it must be TLS with certificates trusted
   * both ways (else `tls-required-local` / `certificate-untrusted`), whatever the encryption setting.
   */
  @Column({ name: 'require_tls', type: 'boolean', default: false })
  requireTls!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
