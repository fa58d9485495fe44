import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { LinkService, NodeIdentityService } from 'uc-mesh';
import { PresenceService } from './presence.service.js';
import { SetPresenceDto } from './set-presence.dto.js';

@Controller('presence')
export class PresenceController {
  constructor(
    private readonly presence: PresenceService,
    private readonly identity: NodeIdentityService,
    private readonly mesh: LinkService,
  ) {}

  /** This server's node ID, the servers it is linked to and what they told it. */
  @Get()
  overview() {
    return {
      nodeId: this.identity.nodeId,
      linked: this.mesh.linkedNodes().map((node) => node.nodeId),
      heard: Object.fromEntries(this.presence.heard),
    };
  }

  @Put(':user')
  async set(@Param('user') user: string, @Body() { status }: SetPresenceDto) {
    return { user, status, toldNodes: await this.presence.set(user, status) };
  }

  /** The user's status on every server ("alice is busy on node-2"), from the replicated map. */
  @Get(':user/everywhere')
  everywhere(@Param('user') user: string) {
    return { user, on: this.presence.everywhere(user) };
  }

  /** `?node=<node ID>` asks that server; without it, this server answers. */
  @Get(':user')
  get(@Param('user') user: string, @Query('node') nodeId?: string) {
    return nodeId ? this.presence.ask(nodeId, user) : this.presence.get(user);
  }
}
