import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** The installed license token and when the evaluation began: one row. */
@Entity('mesh_license')
@Check('CHK_mesh_license_singleton', '"singleton"')
export class LicenseEntity {
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  /** Installed through the admin API; null ⇒ the configured token, or the evaluation. */
  @Column({ type: 'text', nullable: true })
  token!: string | null;

  /** The first start: a restart does not renew the evaluation. */
  @Column({ name: 'evaluation_started_at', type: 'timestamptz' })
  evaluationStartedAt!: Date;
}
