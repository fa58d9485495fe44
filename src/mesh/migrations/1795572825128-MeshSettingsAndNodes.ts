import { MigrationInterface, QueryRunner } from 'typeorm';

export class MeshSettingsAndNodes1795572825128 implements MigrationInterface {
  name = 'MeshSettingsAndNodes1795572825128';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mesh_node" ("id" uuid NOT NULL, "node_id" uuid, "host" character varying(253) NOT NULL, "port" integer NOT NULL, "node_group" character varying(16) NOT NULL, "connect" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4e7674df5beb3b5ac7d1f2e1418" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_mesh_node_node_id" ON "mesh_node"  ("node_id") WHERE "node_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_mesh_node_address" ON "mesh_node"  ("host", "port") `);
    await queryRunner.query(
      `CREATE TABLE "mesh_settings" ("singleton" boolean NOT NULL DEFAULT true, "enabled" boolean NOT NULL, "mesh_id" character varying(128), "id_key" bytea, "auth_key" bytea, "discovery" boolean NOT NULL, "discovery_interval_ms" integer NOT NULL, "changed_by" character varying(16) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_mesh_settings_singleton" CHECK ("singleton"), CONSTRAINT "PK_cb14dc1dd023a196776950ae2c6" PRIMARY KEY ("singleton"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mesh_settings"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_mesh_node_address"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_mesh_node_node_id"`);
    await queryRunner.query(`DROP TABLE "mesh_node"`);
  }
}
