import { MigrationInterface, QueryRunner } from 'typeorm';

export class MeshNodeRequireTls1796651273343 implements MigrationInterface {
  name = 'MeshNodeRequireTls1796651273343';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_node" ADD "require_tls" boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "mesh_node" DROP COLUMN "require_tls"`);
  }
}
