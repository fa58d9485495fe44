import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'faults', MESH_PASSWORD: 'faults-password' };
const running: NodeProcess[] = [];

/** A node on `port` that has the node on `peerPort` as a fixed node, as an operator sets up two nodes. */
function fixedPair(dataDir: string, port: number, peerPort: number): Record<string, string> {
  return { DATA_DIR: dataDir, MESH_PORT: String(port), MESH_PEERS: `127.0.0.1:${peerPort}` };
}

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
    const [port, portB] = [await freePort(), await freePort()];
    const a = await start(fixedPair(await tempDataDir(), port, portB));
    const b = await start(fixedPair(await tempDataDir(), portB, port));
    const up = new RegExp(`link up: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\) \\w+bound tls`);
    await b.untilOutput(up);

    a.signal('SIGSTOP');
    await b.untilOutput(new RegExp(`link down: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\): timeout`));
    a.signal('SIGCONT');
    await b.untilOutput(up, 2);
    await a.untilOutput(new RegExp(`link up: 127\\.0\\.0\\.1:${portB} \\(${b.nodeId}\\)`), 2);
  });

  it('sees a killed peer (SIGKILL) go down and links again when it restarts, with the same node ID', async () => {
    const [port, portB] = [await freePort(), await freePort()];
    const dataDir = await tempDataDir();
    const a = await start(fixedPair(dataDir, port, portB));
    const b = await start(fixedPair(await tempDataDir(), portB, port));
    const up = new RegExp(`link up: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\)`);
    await b.untilOutput(up);

    expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await b.untilOutput(new RegExp(`link down: 127\\.0\\.0\\.1:${port} \\(${a.nodeId}\\): connection-lost`));

    const again = await start(fixedPair(dataDir, port, portB));
    expect(again.nodeId).toBe(a.nodeId);
    await b.untilOutput(up, 2);
  });

  it('tells a peer with the wrong password why, on both sides', async () => {
    const [port, portB] = [await freePort(), await freePort()];
    const a = await start(fixedPair(await tempDataDir(), port, portB));
    const b = await start({
      ...fixedPair(await tempDataDir(), portB, port),
      MESH_PASSWORD: 'not-the-password',
    });
    await a.untilOutput(/inbound link from 127\.0\.0\.1 failed: password-mismatch/);
    await b.untilOutput(new RegExp(`link to 127\\.0\\.0\\.1:${port} failed: password-mismatch`));
  });
});
