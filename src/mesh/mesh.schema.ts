import type { MigrationInterface } from 'typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { LicenseEntity } from './license/license.entity.js';
import { MeshNodeEntity } from './registry/mesh-node.entity.js';
import { MeshSettingsEntity } from './settings/mesh-settings.entity.js';
import { MeshIdentity1795570139947 } from './migrations/1795570139947-MeshIdentity.js';
import { MeshSettingsAndNodes1795572825128 } from './migrations/1795572825128-MeshSettingsAndNodes.js';
import { MeshLicense1795573381247 } from './migrations/1795573381247-MeshLicense.js';
import { MeshAcceptUnknown1795600000000 } from './migrations/1795600000000-MeshAcceptUnknown.js';

/** Tables of the mesh module; a host app lists them (or uses autoLoadEntities). */
export const meshEntities = [LocalNodeEntity, MeshSettingsEntity, MeshNodeEntity, LicenseEntity];

/** Migrations of the mesh module, oldest first; a host app runs them with its own. */
export const meshMigrations: Array<new () => MigrationInterface> = [
  MeshIdentity1795570139947,
  MeshSettingsAndNodes1795572825128,
  MeshLicense1795573381247,
  MeshAcceptUnknown1795600000000,
];
