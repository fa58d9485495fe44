import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { nodeMigrations } from '../../src/database/node-schema.js';

/** TypeORM on `url` with the node's own schema migrated, as AppModule does (without its retries). */
export function nodeDatabaseModule(url: string): DynamicModule {
  return TypeOrmModule.forRoot({
    type: 'postgres',
    url,
    autoLoadEntities: true,
    migrations: nodeMigrations,
    migrationsRun: true,
  });
}
