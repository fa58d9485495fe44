import { MigrationInterface, QueryRunner } from 'typeorm';

export class MeshLicense1795573381247 implements MigrationInterface {
  name = 'MeshLicense1795573381247';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mesh_license" ("singleton" boolean NOT NULL DEFAULT true, "token" text, "evaluation_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_mesh_license_singleton" CHECK ("singleton"), CONSTRAINT "PK_dd4a67102fb81e438e7d640793b" PRIMARY KEY ("singleton"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mesh_license"`);
  }
}
