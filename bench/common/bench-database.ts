import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';

/** One statement's totals in pg_stat_statements. */
export interface StatementStat {
  /** Normalised text, whitespace collapsed. */
  query: string;
  calls: number;
  /** Execution time of all calls, planning not included. */
  totalMs: number;
  rows: number;
}

/**
 * One embedded PostgreSQL for a benchmark run; every mesh node gets a database of its own on it
 * (in the link suite a node keeps nothing but its identity there, so it is idle while messages
 * flow; in the CallData suite the nodes' writes share this one server).
 */
export class BenchDatabase {
  private constructor(
    private readonly server: EmbeddedDatabase,
    private readonly clusterDir: string,
  ) {}

  /**
   * @param options.statementStats load pg_stat_statements (which takes a restart of the server),
   *   for `statementStats`.
   */
  static async start(workDir: string, options: { statementStats?: boolean } = {}): Promise<BenchDatabase> {
    const dataDir = join(workDir, 'database');
    // EmbeddedDatabase keeps its cluster in `<dataDir>/postgres`.
    let database = new BenchDatabase(await EmbeddedDatabase.start({ dataDir }), join(dataDir, 'postgres'));
    if (options.statementStats) {
      await database.configure({ shared_preload_libraries: 'pg_stat_statements' });
      await database.stop();
      database = new BenchDatabase(await EmbeddedDatabase.start({ dataDir }), join(dataDir, 'postgres'));
      await database.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    }
    return database;
  }

  /** Creates an empty database and returns its URL. */
  create(name: string): Promise<string> {
    return this.server.createDatabase(name);
  }

  /**
   * Changes server settings (`ALTER SYSTEM`, then a reload), for every database on the server;
   * they last until the server's folder goes.
   */
  async configure(settings: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(settings)) {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`not a plain setting name: ${name}`);
      await this.query(`ALTER SYSTEM SET ${name} = '${value.replace(/'/g, "''")}'`);
    }
    await this.query('SELECT pg_reload_conf()');
  }

  /**
   * The statements run in one database, most execution time first (pg_stat_statements: only on a
   * server started with `statementStats`).
   */
  async statementStats(database: string, limit = 12): Promise<StatementStat[]> {
    const rows = await this.query<{ query: string; calls: string; total_ms: number; rows: string }>(
      `SELECT s.query, s.calls, s.total_exec_time AS total_ms, s.rows
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = $1 ORDER BY s.total_exec_time DESC LIMIT $2`,
      [database, limit],
    );
    return rows.map((row) => ({
      query: row.query.replace(/\s+/g, ' ').trim(),
      calls: Number(row.calls),
      totalMs: row.total_ms,
      rows: Number(row.rows),
    }));
  }

  private async query<Row extends object = object>(sql: string, values: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.server.url });
    await client.connect();
    try {
      return (await client.query<Row>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  /**
   * The PostgreSQL server process (the first line of `postmaster.pid`); its children are the
   * sessions and background workers, so CPU meters can count them as the benchmark's own.
   */
  serverPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.clusterDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
