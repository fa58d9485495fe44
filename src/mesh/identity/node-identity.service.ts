import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LocalNodeEntity } from './local-node.entity.js';

/** This node's stable identity: a UUID created on the first start and kept in the database. */
@Injectable()
export class NodeIdentityService implements OnModuleInit {
  private readonly logger = new Logger(NodeIdentityService.name);
  private id?: string;

  constructor(@InjectRepository(LocalNodeEntity) private readonly localNode: Repository<LocalNodeEntity>) {}

  async onModuleInit(): Promise<void> {
    // ON CONFLICT keeps the first ID if two processes ever start on one database at once.
    await this.localNode
      .createQueryBuilder()
      .insert()
      .values({ singleton: true, nodeId: randomUUID() })
      .orIgnore()
      .execute();
    const row = await this.localNode.findOneByOrFail({ singleton: true });
    this.id = row.nodeId;
    this.logger.log(`Node ID ${row.nodeId} (since ${row.createdAt.toISOString()})`);
  }

  /** The node ID; available once the module has initialised. */
  get nodeId(): string {
    if (this.id === undefined) throw new Error('NodeIdentityService is not initialised yet');
    return this.id;
  }
}
