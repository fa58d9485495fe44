import { MigrationInterface, QueryRunner } from 'typeorm';

/** The previous password's key and its grace period's end, and the grace setting (default 1 h). */
export class MeshPasswordRotation1796650740633 implements MigrationInterface {
  name = 'MeshPasswordRotation1796650740633';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_settings" ADD "previous_auth_key" bytea`);
    await queryRunner.query(`ALTER TABLE "mesh_settings" ADD "previous_key_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "mesh_settings" ADD "password_grace_ms" integer NOT NULL DEFAULT '3600000'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_settings" DROP COLUMN "password_grace_ms"`);
    await queryRunner.query(`ALTER TABLE "mesh_settings" DROP COLUMN "previous_key_until"`);
    await queryRunner.query(`ALTER TABLE "mesh_settings" DROP COLUMN "previous_auth_key"`);
  }
}
