import { BadGatewayException, Injectable, NotFoundException, ValidationPipe } from '@nestjs/common';
import {
  LinkService,
  type MeshMessageContext,
  MeshNotLinkedError,
  MeshPayload,
  MeshRemoteError,
  MeshStateService,
  NodeIdentityService,
  OnMeshEvent,
  OnMeshRequest,
} from 'uc-mesh';
import { PresenceQueryDto } from './presence-query.dto.js';
import { PRESENCE_MAP, type Presence, PresenceChanged, PresenceQuery } from './presence.topics.js';

export type { Presence } from './presence.topics.js';

/**
 * Presence of this server's users. Each server keeps its own users' statuses in the replicated
 * `presence` map, so every server sees everyone's ("alice is busy on node-2") and a server's
 * entries vanish when it goes; a change is also told as an event, and a server can be asked.
 */
@Injectable()
export class PresenceService {
  /** What other servers told us by event, by user. */
  readonly heard = new Map<string, Presence & { nodeId: string }>();

  constructor(
    private readonly mesh: LinkService,
    private readonly state: MeshStateService,
    private readonly identity: NodeIdentityService,
  ) {}

  /** Sets a local user's status for every server; resolves with the node IDs told by event. */
  set(user: string, status: string): Promise<string[]> {
    this.state.set(PRESENCE_MAP, user, status);
    return this.mesh.broadcast(PresenceChanged, { user, status });
  }

  /** A user's status on this server. */
  get(user: string): Presence {
    const own = this.state.entries<string>(PRESENCE_MAP, this.identity.nodeId).find((e) => e.key === user);
    return { user, status: own?.value ?? 'offline' };
  }

  /** The user's status on every server that has one, from the replicated map. */
  everywhere(user: string): Array<{ nodeId: string; status: string }> {
    return this.state.get<string>(PRESENCE_MAP, user).map((e) => ({ nodeId: e.nodeId, status: e.value }));
  }

  /** Asks another server for the status of one of its users. */
  async ask(nodeId: string, user: string): Promise<Presence> {
    try {
      return await this.mesh.request(nodeId, PresenceQuery, { user });
    } catch (error: unknown) {
      if (error instanceof MeshNotLinkedError) throw new NotFoundException(`node ${nodeId} is not linked`);
      // The other server refused or failed: say what it answered.
      if (error instanceof MeshRemoteError) throw new BadGatewayException(`node ${nodeId}: ${error.message}`);
      throw error;
    }
  }

  /** Other servers ask here; a query that is not a `PresenceQueryDto` is refused with the reason. */
  @OnMeshRequest(PresenceQuery)
  answer(
    @MeshPayload(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) query: PresenceQueryDto,
  ): Presence {
    return this.get(query.user);
  }

  @OnMeshEvent(PresenceChanged)
  changed(presence: Presence, { fromNodeId }: MeshMessageContext): void {
    this.heard.set(presence.user, { ...presence, nodeId: fromNodeId });
  }
}
