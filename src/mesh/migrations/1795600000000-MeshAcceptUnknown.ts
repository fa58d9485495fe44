import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `acceptUnknown` became a setting of its own (before, it followed the search setting). */
export class MeshAcceptUnknown1795600000000 implements MigrationInterface {
  name = 'MeshAcceptUnknown1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_settings" ADD "accept_unknown" boolean NOT NULL DEFAULT true`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_settings" DROP COLUMN "accept_unknown"`);
  }
}
