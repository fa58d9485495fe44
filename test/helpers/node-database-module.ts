import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { nodeMigrations } from '../../src/database/node-schema.js';

/** Every connection these modules opened in this test file, finished or still connecting, by URL. */
const opened = new Map<Promise<DataSource>, string>();

/** TypeORM on `url` with the node's own schema migrated, as AppModule does (without its retries). */
export function nodeDatabaseModule(url: string): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres',
      url,
      autoLoadEntities: true,
      migrations: nodeMigrations,
      migrationsRun: true,
    }),
    dataSourceFactory: (options?: DataSourceOptions) => {
      const initialized = new DataSource(options as DataSourceOptions).initialize();
      opened.set(initialized, url);
      return initialized;
    },
  });
}

/**
 * Waits for every connection opened here to one of `urls` and closes those still open. An
 * application whose start was refused (a bad option of another module) leaves its connection
 * behind, still migrating: stopping the server under it made TypeORM retry after the test file
 * ended, and Jest, seeing a module loaded after the file's teardown, ends the whole run with
 * exit code 1 although every test passed.
 */
export async function closeOpenedDataSources(urls: ReadonlySet<string>): Promise<void> {
  const mine = [...opened].flatMap(([initialized, url]) => (urls.has(url) ? [initialized] : []));
  for (const initialized of mine) opened.delete(initialized);
  for (const result of await Promise.allSettled(mine)) {
    if (result.status === 'fulfilled' && result.value.isInitialized) await result.value.destroy();
  }
}
