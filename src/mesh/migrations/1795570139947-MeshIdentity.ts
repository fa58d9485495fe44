import { MigrationInterface, QueryRunner } from 'typeorm';

export class MeshIdentity1795570139947 implements MigrationInterface {
  name = 'MeshIdentity1795570139947';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mesh_local_node" ("singleton" boolean NOT NULL DEFAULT true, "node_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_mesh_local_node_singleton" CHECK ("singleton"), CONSTRAINT "PK_4adcfd58cba8483e410615151ce" PRIMARY KEY ("singleton"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mesh_local_node"`);
  }
}
