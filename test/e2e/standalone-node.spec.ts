import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { postmastersOf } from '../helpers/postmaster.js';

const running: NodeProcess[] = [];
async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start(env);
  running.push(node);
  return node;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

describe('the standalone node on its embedded PostgreSQL', () => {
  it('boots, answers /health with the database up, and stops with exit 0 on SIGTERM', async () => {
    const dataDir = await tempDataDir();
    const node = await start({ DATA_DIR: dataDir });

    const health = await node.health();
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(health.body.details.database?.status).toBe('up');
    expect(postmastersOf(join(dataDir, 'postgres'))).toHaveLength(1);

    expect(await node.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(postmastersOf(join(dataDir, 'postgres'))).toEqual([]);
  });

  it('stops with exit 0 on SIGINT too', async () => {
    const node = await start({ DATA_DIR: await tempDataDir() });
    expect(await node.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(node.output).toContain('SIGINT: shutting down');
  });

  it('generates the admin token once, mode 0600, prints it, and keeps it across restarts', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const file = join(dataDir, 'admin-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.adminToken);
    expect(first.adminToken.length).toBeGreaterThanOrEqual(32);
    await first.stop();

    const second = await start({ DATA_DIR: dataDir });
    expect(second.adminToken).toBe(first.adminToken);
  });

  it('uses ADMIN_TOKEN when set and writes no token file', async () => {
    const dataDir = await tempDataDir();
    const node = await start({ DATA_DIR: dataDir, ADMIN_TOKEN: 'operator-chosen-token-123' });
    expect(node.output).toContain('admin token: from ADMIN_TOKEN');
    expect(node.output).not.toContain('operator-chosen-token-123');
    await expect(stat(join(dataDir, 'admin-token'))).rejects.toThrow('ENOENT');
  });

  it('keeps its node ID across restarts', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const nodeId = first.nodeId;
    expect(nodeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await first.stop();

    const second = await start({ DATA_DIR: dataDir });
    expect(second.nodeId).toBe(nodeId);
    const other = await start({ DATA_DIR: await tempDataDir() });
    expect(other.nodeId).not.toBe(nodeId);
  });

  it('restarts cleanly on the same data directory after it was killed with SIGKILL', async () => {
    const dataDir = await tempDataDir();
    const clusterDir = join(dataDir, 'postgres');
    const first = await start({ DATA_DIR: dataDir });
    const nodeId = first.nodeId;
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // PostgreSQL outlives its killed parent, holding the lock on the cluster.
    const orphans = postmastersOf(clusterDir);
    expect(orphans).toHaveLength(1);

    const second = await start({ DATA_DIR: dataDir });
    expect(second.nodeId).toBe(nodeId);
    expect((await second.health()).body.status).toBe('ok');
    const now = postmastersOf(clusterDir);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(orphans[0]);
  });

  it('refuses a second node on the data directory of a running one, leaving the first one serving', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const second = NodeProcess.spawn({ DATA_DIR: dataDir });
    expect((await second.exit()).code).toBe(1);
    expect(second.output).toContain('in use by a running node');
    expect((await first.health()).body.details.database?.status).toBe('up');
  });

  it('starts when a stale postmaster.pid names a live process that is not PostgreSQL', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const nodeId = first.nodeId;
    await first.stop();
    // After a reboot the PID in the lock file may belong to anything; here, this test runner.
    await writeFile(join(dataDir, 'postgres', 'postmaster.pid'), `${process.pid}\n${dataDir}/postgres\n`);

    const second = await start({ DATA_DIR: dataDir });
    expect(second.nodeId).toBe(nodeId);
  });
});
