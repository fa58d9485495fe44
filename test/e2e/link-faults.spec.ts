import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'faults', MESH_PASSWORD: 'faults-password' };
const running: NodeProcess[] = [];

async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({ ...MESH, ...env });
  running.push(node);
  return node;
}

afterEach(async () => {
  for (const node of running.splice(0)) {
    node.signal('SIGCONT');
    await node.stop().catch(() => undefined);
  }
});

describe('links of real node processes under faults', () => {
  it('detects a frozen peer (SIGSTOP) within the liveness bound and resumes by itself after SIGCONT', async () => {
    const port = await freePort();
    const a = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(port) });
    const b = await start({ DATA_DIR: await tempDataDir(), MESH_PEERS: `127.0.0.1:${port}` });
    const up = new RegExp(`link up: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\) outbound tls`);
    await b.untilOutput(up);

    a.signal('SIGSTOP');
    await b.untilOutput(new RegExp(`link down: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\): timeout`));
    a.signal('SIGCONT');
    await b.untilOutput(up, 2);
    await a.untilOutput(new RegExp(`link up: 127\\.0\\.0\\.1:\\d+ \\(${b.nodeId}\\) inbound tls`), 2);
  });

  it('sees a killed peer (SIGKILL) go down and links again when it restarts, with the same node ID', async () => {
    const port = await freePort();
    const dataDir = await tempDataDir();
    const a = await start({ DATA_DIR: dataDir, MESH_PORT: String(port) });
    const b = await start({ DATA_DIR: await tempDataDir(), MESH_PEERS: `127.0.0.1:${port}` });
    const up = new RegExp(`link up: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\) outbound`);
    await b.untilOutput(up);

    expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await b.untilOutput(new RegExp(`link down: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\): connection-lost`));

    const again = await start({ DATA_DIR: dataDir, MESH_PORT: String(port) });
    expect(again.nodeId).toBe(a.nodeId);
    await b.untilOutput(up, 2);
  });

  it('tells a peer with the wrong password why, on both sides', async () => {
    const port = await freePort();
    const a = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(port) });
    const b = await start({
      DATA_DIR: await tempDataDir(),
      MESH_PASSWORD: 'not-the-password',
      MESH_PEERS: `127.0.0.1:${port}`,
    });
    await a.untilOutput(/inbound link from 127\.0\.0\.1 failed: password-mismatch/);
    await b.untilOutput(new RegExp(`link to 127\\.0\\.0\\.1:${port} failed: password-mismatch`));
  });
});
