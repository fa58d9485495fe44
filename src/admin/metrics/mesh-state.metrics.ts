import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { LicenseService, LinkService, MeshSettingsService, PeerRegistryService } from '../../mesh/index.js';
import { countLinkStates, LINK_STATES } from './link-states.js';
import { MetricsService } from './metrics.service.js';

/** Gauges of the mesh as it is at scrape time: the node list by link state, links, switches, license. */
@Injectable()
export class MeshStateMetrics {
  constructor(
    metrics: MetricsService,
    peers: PeerRegistryService,
    link: LinkService,
    settings: MeshSettingsService,
    license: LicenseService,
  ) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'ucmesh_links_by_state',
      help: 'Nodes of the node list by the state of their link (connected, connecting, error, disabled, idle)',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = countLinkStates(peers.list());
        for (const state of LINK_STATES) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'ucmesh_links',
      help: 'Mesh links up now: the connections used of ucmesh_license_connections',
      registers,
      collect() {
        this.set(link.linkedNodes().length);
      },
    });
    new Gauge({
      name: 'ucmesh_mesh_enabled',
      help: 'Whether the administrator has the mesh enabled (1) or disabled (0)',
      registers,
      collect() {
        this.set(settings.current.enabled ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ucmesh_mesh_active',
      help: 'Whether the mesh runs on this node (1): enabled and licensed',
      registers,
      collect() {
        this.set(link.active ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ucmesh_license_connections',
      help: 'Simultaneous mesh links the license allows (0 when unlicensed)',
      registers,
      collect() {
        const current = license.current;
        this.set(current.licensed ? current.connections : 0);
      },
    });
  }
}
