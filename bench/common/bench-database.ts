import { join } from 'node:path';
import pg from 'pg';
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
  async create(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    const client = new pg.Client({ connectionString: this.server.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(this.server.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
