import pg from 'pg';
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
  async createDatabase(): Promise<string> {
    const name = `node_${process.pid}_${++this.count}`;
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
