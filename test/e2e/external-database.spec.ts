import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

describe('the standalone node on an external PostgreSQL (DATABASE_URL)', () => {
  let server: EmbeddedDatabase;

  beforeAll(async () => {
    // A separate PostgreSQL server that the node does not manage, as an operator's would be.
    server = await EmbeddedDatabase.start({ dataDir: await tempDataDir() });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('migrates that database, keeps its identity there, and starts no PostgreSQL of its own', async () => {
    const dataDir = await tempDataDir();
    const node = await NodeProcess.start({ DATA_DIR: dataDir, DATABASE_URL: server.url });
    try {
      expect(node.output).toContain('database external');
      expect((await node.health()).body.details.database?.status).toBe('up');
      await expect(stat(join(dataDir, 'postgres'))).rejects.toThrow('ENOENT');

      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const rows = await client.query<{ node_id: string }>('SELECT node_id FROM mesh_local_node');
      await client.end();
      expect(rows.rows).toEqual([{ node_id: node.nodeId }]);
    } finally {
      expect(await node.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('reports an unreachable database and exits non-zero', async () => {
    const node = NodeProcess.spawn({
      DATA_DIR: await tempDataDir(),
      DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none',
    });
    const { code } = await node.exit(60_000);
    expect(code).toBe(1);
    expect(node.output).toMatch(/ECONNREFUSED/);
  });
});
