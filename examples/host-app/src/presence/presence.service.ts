import { BadGatewayException, Injectable, NotFoundException, ValidationPipe } from '@nestjs/common';
import {
  LinkService,
  type MeshMessageContext,
  MeshNotLinkedError,
  MeshRemoteError,
  MeshPayload,
  OnMeshEvent,
  OnMeshRequest,
} from 'uc-mesh';
import { PresenceQueryDto } from './presence-query.dto.js';

export interface Presence {
  user: string;
  status: string;
}

/** Presence of this server's users, answered to other servers and told to them on every change. */
@Injectable()
export class PresenceService {
  private readonly local = new Map<string, string>();
  /** What other servers told us, by user. */
  readonly heard = new Map<string, Presence & { nodeId: string }>();

  constructor(private readonly mesh: LinkService) {}

  /** Sets a local user's status and tells every linked server; resolves with their node IDs. */
  set(user: string, status: string): Promise<string[]> {
    this.local.set(user, status);
    return this.mesh.broadcast('presence.changed', { user, status } satisfies Presence);
  }

  /** A user's status on this server. */
  get(user: string): Presence {
    return { user, status: this.local.get(user) ?? 'offline' };
  }

  /** Asks another server for the status of one of its users. */
  async ask(nodeId: string, user: string): Promise<Presence> {
    try {
      return await this.mesh.request<Presence>(nodeId, 'presence.query', { user });
    } catch (error: unknown) {
      if (error instanceof MeshNotLinkedError) throw new NotFoundException(`node ${nodeId} is not linked`);
      // The other server refused or failed: say what it answered.
      if (error instanceof MeshRemoteError) throw new BadGatewayException(`node ${nodeId}: ${error.message}`);
      throw error;
    }
  }

  /** Other servers ask here; a query that is not a `PresenceQueryDto` is refused with the reason. */
  @OnMeshRequest('presence.query')
  answer(
    @MeshPayload(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) query: PresenceQueryDto,
  ) {
    return this.get(query.user);
  }

  @OnMeshEvent('presence.changed')
  changed(presence: Presence, { fromNodeId }: MeshMessageContext): void {
    this.heard.set(presence.user, { ...presence, nodeId: fromNodeId });
  }
}
