import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MeshTopologyService, PeerRegistryService } from '../../mesh/index.js';
import { MetricsService } from './metrics.service.js';

/**
 * The whole mesh as this node sees it (`MeshTopologyService`), assembled when scraped: nodes,
 * missing links, islands (alert on more than one), and the round trip of each of this node's links.
 */
@Injectable()
export class TopologyMetrics {
  constructor(metrics: MetricsService, topologies: MeshTopologyService, peers: PeerRegistryService) {
    const registers = [metrics.registry];
    // One assembly serves the three gauges of a scrape (the service keeps it while nothing changes).
    const topology = () => topologies.topology();
    new Gauge({
      name: 'ucmesh_mesh_nodes',
      help: 'Nodes of the mesh this node knows of, itself included (its node list and its peers’ link tables)',
      registers,
      collect() {
        this.set(topology().nodes.length);
      },
    });
    new Gauge({
      name: 'ucmesh_mesh_missing_links',
      help: 'Pairs of known nodes without a link up, as the ends report them',
      registers,
      collect() {
        this.set(topology().missingLinks);
      },
    });
    new Gauge({
      name: 'ucmesh_mesh_islands',
      help: 'Groups of nodes that reach each other directly or through others; more than 1 means the mesh is split',
      registers,
      collect() {
        this.set(topology().islands.length);
      },
    });
    new Gauge({
      name: 'ucmesh_link_rtt_seconds',
      help: 'Round trip of this node’s link to each linked peer (node ID), smoothed over the liveness pings',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const node of peers.list()) {
          const rttMs = node.status.rttMs;
          if (node.nodeId !== null && node.status.state === 'connected' && rttMs !== undefined)
            this.set({ peer: node.nodeId }, rttMs / 1000);
        }
      },
    });
  }
}
