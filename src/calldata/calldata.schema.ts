import type { MigrationInterface } from 'typeorm';
import { CallDataCallEntity } from './entities/calldata-call.entity.js';
import { CallDataChangeEntity } from './entities/calldata-change.entity.js';
import { CallDataFieldEntity } from './entities/calldata-field.entity.js';
import { CallDataOriginEntity } from './entities/calldata-origin.entity.js';
import { CallData1795578807452 } from './migrations/1795578807452-CallData.js';
import { CallDataTrust1796463245498 } from './migrations/1796463245498-CallDataTrust.js';

/** Tables of the CallData module; a host app lists them (or uses autoLoadEntities). */
export const callDataEntities = [
  CallDataCallEntity,
  CallDataFieldEntity,
  CallDataChangeEntity,
  CallDataOriginEntity,
];

/** Migrations of the CallData module, oldest first; run after `meshMigrations`. */
export const callDataMigrations: Array<new () => MigrationInterface> = [
  CallData1795578807452,
  CallDataTrust1796463245498,
];
