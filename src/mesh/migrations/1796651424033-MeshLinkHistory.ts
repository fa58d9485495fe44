import { MigrationInterface, QueryRunner } from 'typeorm';

/** The last status changes of each node's link (see LinkHistoryEntity). */
export class MeshLinkHistory1796651424033 implements MigrationInterface {
  name = 'MeshLinkHistory1796651424033';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mesh_link_history" ("id" BIGSERIAL NOT NULL, "host" character varying(253) NOT NULL, "port" integer NOT NULL, "node_id" uuid, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "state" character varying(16) NOT NULL, "reason" character varying(64), "message" character varying(1024), CONSTRAINT "PK_mesh_link_history" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mesh_link_history_address_at" ON "mesh_link_history" ("host", "port", "at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_mesh_link_history_address_at"`);
    await queryRunner.query(`DROP TABLE "mesh_link_history"`);
  }
}
