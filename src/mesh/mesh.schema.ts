import type { MigrationInterface } from 'typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { MeshIdentity1795570139947 } from './migrations/1795570139947-MeshIdentity.js';

/** Tables of the mesh module; a host app lists them (or uses autoLoadEntities). */
export const meshEntities = [LocalNodeEntity];

/** Migrations of the mesh module, oldest first; a host app runs them with its own. */
export const meshMigrations: Array<new () => MigrationInterface> = [MeshIdentity1795570139947];
