import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { closeOpenedDataSources } from './node-database-module.js';
import { tempDataDir } from './node-process.js';

/** One real PostgreSQL server for a test file; each in-process node gets its own database. */
export class TestDatabaseServer {
  private count = 0;
  private readonly urls = new Set<string>();

  private constructor(private readonly server: EmbeddedDatabase) {}

  static async start(): Promise<TestDatabaseServer> {
    return new TestDatabaseServer(await EmbeddedDatabase.start({ dataDir: await tempDataDir() }));
  }

  /** A new empty database on the server; returns its URL. */
  async createDatabase(): Promise<string> {
    const url = await this.server.createDatabase(`node_${process.pid}_${++this.count}`);
    this.urls.add(url);
    return url;
  }

  /** Stops the server once no connection to it is still being opened or open. */
  async stop(): Promise<void> {
    await closeOpenedDataSources(this.urls);
    await this.server.stop();
  }
}
