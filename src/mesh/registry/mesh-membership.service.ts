import { Inject, Injectable, Logger } from '@nestjs/common';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { LinkService } from '../link/link.service.js';
import { OnMeshEvent, type MeshMessageContext } from '../link/on-mesh-message.decorator.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { parseMemberList } from './member-list.js';
import { PeerRegistryService } from './peer-registry.service.js';

export const MEMBERS_TOPIC = 'mesh.members';

/**
 * Membership spreads over links: at every link-up both sides tell each other the nodes they are
 * linked with, and a node that accepts unknown nodes lists those as discovered and dials them.
 * So one member's address joins the whole mesh, with or without the search. Of two nodes
 * joining at once through different members, the one whose link to a common member comes up
 * second hears of the other: that member's list is built after both links exist.
 */
@Injectable()
export class MeshMembershipService {
  private readonly logger = new Logger('MeshMembership');

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly registry: PeerRegistryService,
    private readonly link: LinkService,
    private readonly settings: MeshSettingsService,
    private readonly identity: NodeIdentityService,
    hooks: MeshHooks,
  ) {
    // After the registry listed (or refused to list) the node.
    hooks.linkUp.add('MeshMembershipService', HOOK_ORDER.membership, ({ nodeId }) => this.tell(nodeId));
  }

  private tell(nodeId: string): void {
    if (!this.registry.isMember(nodeId)) return;
    // Failing means the link is gone again: its next link-up tells again.
    this.link.send(nodeId, MEMBERS_TOPIC, this.registry.linkedMembers(nodeId)).catch(() => undefined);
  }

  @OnMeshEvent(MEMBERS_TOPIC)
  async onMembers(list: unknown, { fromNodeId }: MeshMessageContext): Promise<void> {
    if (!this.settings.current.acceptUnknown) return;
    const { members, dropped } = parseMemberList(list);
    // One line per list at most, and lists come once per link-up.
    if (dropped > 0) {
      this.logger.warn(`node ${fromNodeId} sent ${dropped} malformed member list entries; they were ignored`);
    }
    for (const member of members) {
      // Facts about this node are never taken from a peer, whatever ID it puts on them.
      if (member.nodeId === this.identity.nodeId || this.isSelf(member.host, member.port)) continue;
      const outcome = await this.registry.seen(member).catch(() => 'stopped' as const);
      if (outcome === 'stopped' || outcome === 'list-full') return;
    }
  }

  private isSelf(host: string, port: number): boolean {
    return port === this.link.port && host.toLowerCase() === this.config.host.toLowerCase();
  }
}
