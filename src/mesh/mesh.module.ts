import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MeshEventBus } from './events/mesh-event-bus.js';
import { MeshHooks } from './events/mesh-hooks.js';
import { LocalNodeEntity } from './identity/local-node.entity.js';
import { LicenseEntity } from './license/license.entity.js';
import { LicenseService } from './license/license.service.js';
import { AdmissionGate } from './link/admission-gate.js';
import { ConnectionManager } from './link/connection-manager.js';
import { LinkEndpoint } from './link/link-endpoint.js';
import { LinkListener } from './link/link-listener.js';
import { MeshActivation } from './link/mesh-activation.js';
import { MeshHandlerPipeline } from './link/mesh-handler-pipeline.js';
import { MessageRouter } from './link/message-router.js';
import { PeerDialers } from './link/peer-dialers.js';
import { SocketSet } from './link/socket-set.js';
import { MeshNodeEntity } from './registry/mesh-node.entity.js';
import { MeshMembershipService } from './registry/mesh-membership.service.js';
import { PeerRegistryService } from './registry/peer-registry.service.js';
import { MeshSettingsEntity } from './settings/mesh-settings.entity.js';
import { MeshSettingsService } from './settings/mesh-settings.service.js';
import { NodeIdentityService } from './identity/node-identity.service.js';
import { LinkService } from './link/link.service.js';
import { MeshMessageExplorer } from './link/mesh-message.explorer.js';
import { MESH_CONFIG, resolveMeshConfig } from './mesh-config.js';
import { ConfigurableMeshModule, MESH_MODULE_OPTIONS } from './mesh-module.options.js';
import { DiscoveryService } from './discovery/discovery.service.js';
import { MeshStateService } from './state/mesh-state.service.js';

/**
 * The mesh of UC servers. The host application owns the TypeORM DataSource (with
 * `autoLoadEntities` or `meshEntities`) and must run `meshMigrations` (the standalone node does so
 * at start), and imports EventEmitterModule.
 *
 * Global, like `TypeOrmModule.forRoot`: one mesh per application, configured once by the host,
 * its services injectable from any module — e.g. AdminModule's mesh routes.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([LocalNodeEntity, MeshSettingsEntity, MeshNodeEntity, LicenseEntity]),
    DiscoveryModule,
  ],
  providers: [
    // Whatever forRoot got or the forRootAsync factory returned, checked once at start.
    { provide: MESH_CONFIG, useFactory: resolveMeshConfig, inject: [MESH_MODULE_OPTIONS] },
    MeshEventBus,
    MeshHooks,
    NodeIdentityService,
    MeshSettingsService,
    LicenseService,
    AdmissionGate,
    MeshActivation,
    MeshMessageExplorer,
    MeshHandlerPipeline,
    MessageRouter,
    SocketSet,
    LinkEndpoint,
    ConnectionManager,
    PeerDialers,
    LinkListener,
    LinkService,
    PeerRegistryService,
    MeshMembershipService,
    DiscoveryService,
    MeshStateService,
  ],
  exports: [
    NodeIdentityService,
    MeshSettingsService,
    LicenseService,
    LinkService,
    PeerRegistryService,
    DiscoveryService,
    MeshStateService,
    MeshHooks,
    MESH_MODULE_OPTIONS,
    MESH_CONFIG,
  ],
})
export class MeshModule extends ConfigurableMeshModule {}
