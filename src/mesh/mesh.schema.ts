import type { MigrationInterface } from 'typeorm';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { LicenseEntity } from './license/license.entity.js';
import { MeshNodeEntity } from './registry/mesh-node.entity.js';
import { MeshSettingsEntity } from './settings/mesh-settings.entity.js';
import { MeshIdentity1795570139947 } from './migrations/1795570139947-MeshIdentity.js';
import { MeshSettingsAndNodes1795572825128 } from './migrations/1795572825128-MeshSettingsAndNodes.js';
import { MeshLicense1795573381247 } from './migrations/1795573381247-MeshLicense.js';
import { LinkHistoryEntity } from './history/link-history.entity.js';
import { MeshAcceptUnknown1795600000000 } from './migrations/1795600000000-MeshAcceptUnknown.js';
import { MeshPasswordRotation1796650740633 } from './migrations/1796650740633-MeshPasswordRotation.js';
import { MeshNodeRequireTls1796651273343 } from './migrations/1796651273343-MeshNodeRequireTls.js';
import { MeshLinkHistory1796651424033 } from './migrations/1796651424033-MeshLinkHistory.js';

/** Tables of the mesh module; a host app lists them (or uses autoLoadEntities). */
export const meshEntities = [
  LocalNodeEntity,
  MeshSettingsEntity,
  MeshNodeEntity,
  LicenseEntity,
  LinkHistoryEntity,
];

/** Migrations of the mesh module, oldest first; a host app runs them with its own. */
export const meshMigrations: Array<new () => MigrationInterface> = [
  MeshIdentity1795570139947,
  MeshSettingsAndNodes1795572825128,
  MeshLicense1795573381247,
  MeshAcceptUnknown1795600000000,
  MeshPasswordRotation1796650740633,
  MeshNodeRequireTls1796651273343,
  MeshLinkHistory1796651424033,
];
