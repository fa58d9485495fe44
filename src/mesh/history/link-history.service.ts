import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { errorMessage } from '../../common/describe-error.js';
import type { LinkStatusEvent } from '../events/mesh-events.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import type { LinkReason } from '../link/link-reason.js';
import type { LinkStatus, LinkTarget } from '../link/link-status.js';
import { LinkHistoryEntity } from './link-history.entity.js';
import { historyEntry, LINK_HISTORY_LIMIT, type LinkHistoryEntry } from './link-history.js';

/**
 * A short history per node: every change of the status of the link to an address in this node's
 * list, in a table (one INSERT per change, older rows pruned to `LINK_HISTORY_LIMIT` per address),
 * so it outlives reconnects and restarts. Writes run one at a time, in order, off the link's path.
 */
@Injectable()
export class LinkHistoryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('LinkHistory');
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectRepository(LinkHistoryEntity) private readonly rows: Repository<LinkHistoryEntity>,
    hooks: MeshHooks,
  ) {
    // First, and synchronous: the change is queued before the host hears of it, so a history
    // asked for after a `mesh.link.status` event holds it.
    hooks.linkStatus.add('LinkHistoryService', HOOK_ORDER.links, (change) => this.record(change));
  }

  /** The address's last status changes, newest first. */
  async list(target: LinkTarget): Promise<LinkHistoryEntry[]> {
    await this.queue; // what happened before the question is in the answer
    const rows = await this.rows.find({
      where: { host: target.host.toLowerCase(), port: target.port },
      order: { at: 'DESC', id: 'DESC' },
      take: LINK_HISTORY_LIMIT,
    });
    return rows.map(toEntry);
  }

  /** What is queued is written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue;
  }

  private record(change: LinkStatusEvent): void {
    const entry = historyEntry(change);
    if (!entry) return;
    const host = change.host.toLowerCase();
    const write = this.queue.then(async () => {
      await this.rows.insert({
        host,
        port: change.port,
        nodeId: change.nodeId ?? null,
        at: new Date(entry.at),
        state: entry.state,
        reason: entry.reason ?? null,
        message: entry.message ?? null,
      });
      // Everything older than the newest LIMIT rows of this address goes.
      await this.rows.query(
        `DELETE FROM "mesh_link_history" WHERE "host" = $1 AND "port" = $2 AND "id" NOT IN (
           SELECT "id" FROM "mesh_link_history" WHERE "host" = $1 AND "port" = $2
           ORDER BY "at" DESC, "id" DESC LIMIT $3)`,
        [host, change.port, LINK_HISTORY_LIMIT],
      );
    });
    // A change not written (the database is away) is missing from the history; nothing else fails.
    this.queue = write.catch((error: unknown) =>
      this.logger.warn(`a link status change was not recorded: ${errorMessage(error)}`),
    );
  }
}

function toEntry(row: LinkHistoryEntity): LinkHistoryEntry {
  return {
    at: row.at.toISOString(),
    state: row.state as LinkStatus['state'],
    ...(row.reason !== null && { reason: row.reason as LinkReason }),
    ...(row.message !== null && { message: row.message }),
  };
}
