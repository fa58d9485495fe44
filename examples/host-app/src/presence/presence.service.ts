import { Injectable, NotFoundException } from '@nestjs/common';
import { LinkService, type MeshMessageContext, MeshNotLinkedError, OnMeshMessage } from 'uc-mesh';

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
      return (await this.mesh.request(nodeId, 'presence.query', { user })) as Presence;
    } catch (error: unknown) {
      if (error instanceof MeshNotLinkedError) throw new NotFoundException(`node ${nodeId} is not linked`);
      throw error;
    }
  }

  @OnMeshMessage('presence.query')
  answer({ user }: { user: string }): Presence {
    return this.get(user);
  }

  @OnMeshMessage('presence.changed')
  changed(presence: Presence, { fromNodeId }: MeshMessageContext): void {
    this.heard.set(presence.user, { ...presence, nodeId: fromNodeId });
  }
}
