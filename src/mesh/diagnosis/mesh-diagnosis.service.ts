import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService } from '../discovery/discovery.service.js';
import { LinkEndpoint } from '../link/link-endpoint.js';
import { LinkService } from '../link/link.service.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { PeerRegistryService } from '../registry/peer-registry.service.js';
import { SOFTWARE_VERSION } from '../software-version.js';
import { TlsMaterialService } from '../tls/tls-material.service.js';
import { probeAdvertised, probeTcp } from './diagnosis-probes.js';
import { type DiagnosisLine, diagnose, type NodeFacts } from './diagnosis-rules.js';

/**
 * `GET /api/mesh/diagnose`: gathers what an administrator would check — the clients interface,
 * whether this node answers at its advertised address, the search, every node (a TCP probe for
 * those not linked), clock offsets, versions, certificates — and lets `diagnose` judge it.
 */
@Injectable()
export class MeshDiagnosisService {
  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly link: LinkService,
    private readonly endpoint: LinkEndpoint,
    private readonly registry: PeerRegistryService,
    private readonly discovery: DiscoveryService,
    private readonly tls: TlsMaterialService,
  ) {}

  async diagnose(): Promise<DiagnosisLine[]> {
    const port = this.link.port;
    const [answer, nodes] = await Promise.all([
      probeAdvertised(this.config.host, port, (socket) => this.endpoint.handshake(socket, 'dialer')),
      Promise.all(this.registry.list().map((node) => this.nodeFacts(node))),
    ]);
    const certificate = this.tls.overview().certificate;
    return diagnose({
      now: this.config.now?.() ?? Date.now(),
      clientsInterface: {
        listening: this.link.isListening,
        ownedByApplication: !this.config.listen,
        bind: this.config.bind,
        port,
      },
      advertised: { host: this.config.host, port, answer },
      discovery: this.discovery.searchReport,
      nodes,
      maxClockOffsetMs: this.config.maxClockOffsetMs,
      version: SOFTWARE_VERSION,
      ...(certificate && { certificate: { subject: certificate.subject, validTo: certificate.validTo } }),
    });
  }

  private async nodeFacts(node: ReturnType<PeerRegistryService['list']>[number]): Promise<NodeFacts> {
    const facts: NodeFacts = {
      host: node.host,
      port: node.port,
      nodeId: node.nodeId,
      connect: node.connect,
      status: node.status,
    };
    if (!node.connect || node.status.state === 'connected') return facts;
    return { ...facts, probe: await probeTcp(node.host, node.port) };
  }
}
