import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';

/**
 * One embedded PostgreSQL for a benchmark run; every mesh node gets a database of its own on it
 * (a node keeps nothing but its identity there, so it is idle while messages flow).
 */
export class BenchDatabase {
  private constructor(private readonly server: EmbeddedDatabase) {}

  static async start(workDir: string): Promise<BenchDatabase> {
    return new BenchDatabase(await EmbeddedDatabase.start({ dataDir: join(workDir, 'database') }));
  }

  /** Creates an empty database and returns its URL. */
  create(name: string): Promise<string> {
    return this.server.createDatabase(name);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
