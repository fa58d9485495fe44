import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { tempDataDir } from './node-process.js';

/** One real PostgreSQL server for a test file; each in-process node gets its own database. */
export class TestDatabaseServer {
  private count = 0;

  private constructor(private readonly server: EmbeddedDatabase) {}

  static async start(): Promise<TestDatabaseServer> {
    return new TestDatabaseServer(await EmbeddedDatabase.start({ dataDir: await tempDataDir() }));
  }

  /** A new empty database on the server; returns its URL. */
  createDatabase(): Promise<string> {
    return this.server.createDatabase(`node_${process.pid}_${++this.count}`);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
