import type { MigrationInterface } from 'typeorm';
import { callDataEntities, callDataMigrations } from '../calldata/calldata.schema.js';
import { meshEntities, meshMigrations } from '../mesh/mesh.schema.js';

/** Every table of the standalone node; the TypeORM CLI generates migrations against these. */
export const nodeEntities = [...meshEntities, ...callDataEntities];

/** Every migration of the standalone node, run at start in this order. */
export const nodeMigrations: Array<new () => MigrationInterface> = [...meshMigrations, ...callDataMigrations];
