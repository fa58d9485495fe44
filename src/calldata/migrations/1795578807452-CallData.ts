import { MigrationInterface, QueryRunner } from 'typeorm';

export class CallData1795578807452 implements MigrationInterface {
  name = 'CallData1795578807452';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "calldata_call" ("call_linkage_id" character varying(128) NOT NULL, "origin_node_id" uuid NOT NULL, "first_hlc" bigint NOT NULL, "updated_hlc" bigint NOT NULL, CONSTRAINT "PK_aaf2e9a09a6fd556e6a73474fc0" PRIMARY KEY ("call_linkage_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_calldata_call_updated_hlc" ON "calldata_call"  ("updated_hlc") `,
    );
    await queryRunner.query(
      `CREATE TABLE "calldata_change" ("origin_node_id" uuid NOT NULL, "seq" bigint NOT NULL, "call_linkage_id" character varying(128) NOT NULL, "hlc" bigint NOT NULL, "fields" jsonb NOT NULL, CONSTRAINT "PK_3375bba1e5a58d7a662bbc5670d" PRIMARY KEY ("origin_node_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_calldata_change_call" ON "calldata_change"  ("call_linkage_id") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_calldata_change_hlc" ON "calldata_change"  ("hlc") `);
    await queryRunner.query(
      `CREATE TABLE "calldata_field" ("call_linkage_id" character varying(128) NOT NULL, "name" character varying(128) NOT NULL, "value" text, "hlc" bigint NOT NULL, "node_id" uuid NOT NULL, CONSTRAINT "PK_ce728492dc1be53b3ce37f90398" PRIMARY KEY ("call_linkage_id", "name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "calldata_origin" ("origin_node_id" uuid NOT NULL, "applied_seq" bigint NOT NULL, "max_seq" bigint NOT NULL, CONSTRAINT "PK_6f6dd6cab0081bb0ff4ff082663" PRIMARY KEY ("origin_node_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "calldata_field" ADD CONSTRAINT "FK_2f3a8f666aac73c0a6140fba51d" FOREIGN KEY ("call_linkage_id") REFERENCES "calldata_call"("call_linkage_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "calldata_field" DROP CONSTRAINT "FK_2f3a8f666aac73c0a6140fba51d"`);
    await queryRunner.query(`DROP TABLE "calldata_origin"`);
    await queryRunner.query(`DROP TABLE "calldata_field"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_calldata_change_hlc"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_calldata_change_call"`);
    await queryRunner.query(`DROP TABLE "calldata_change"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_calldata_call_updated_hlc"`);
    await queryRunner.query(`DROP TABLE "calldata_call"`);
  }
}
