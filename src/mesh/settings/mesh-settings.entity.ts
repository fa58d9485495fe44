import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The mesh settings of this node: one row. Keys derived from the password, never the password. */
@Entity('mesh_settings')
@Check('CHK_mesh_settings_singleton', '"singleton"')
export class MeshSettingsEntity {
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'mesh_id', type: 'varchar', length: 128, nullable: true })
  meshId!: string | null;

  @Column({ name: 'id_key', type: 'bytea', nullable: true })
  idKey!: Buffer | null;

  @Column({ name: 'auth_key', type: 'bytea', nullable: true })
  authKey!: Buffer | null;

  @Column({ type: 'boolean' })
  discovery!: boolean;

  @Column({ name: 'discovery_interval_ms', type: 'integer' })
  discoveryIntervalMs!: number;

  @Column({ name: 'accept_unknown', type: 'boolean', default: true })
  acceptUnknown!: boolean;

  /** `environment` until an administrator changes a setting; from then on the stored values win. */
  @Column({ name: 'changed_by', type: 'varchar', length: 16 })
  changedBy!: 'environment' | 'admin';

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
