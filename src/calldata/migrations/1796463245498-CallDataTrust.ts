import { MigrationInterface, QueryRunner } from 'typeorm';

export class CallDataTrust1796463245498 implements MigrationInterface {
  name = 'CallDataTrust1796463245498';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "calldata_change" ADD "relayed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "calldata_origin" ADD "confirmed_seq" bigint NOT NULL DEFAULT '0'`);
    // What a node held before counts as confirmed (progress beyond 2^52 is repaired at start instead).
    await queryRunner.query(
      `UPDATE "calldata_origin" SET "confirmed_seq" = "applied_seq" WHERE "applied_seq" <= 4503599627370496`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "calldata_origin" DROP COLUMN "confirmed_seq"`);
    await queryRunner.query(`ALTER TABLE "calldata_change" DROP COLUMN "relayed"`);
  }
}
