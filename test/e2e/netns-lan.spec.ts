import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createLan, type Lan, type LanHost } from '../helpers/netns-lan.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

const run = promisify(execFile);
const MESH = { MESH_ID: 'netns', MESH_PASSWORD: 'netns-password', MESH_BIND: '0.0.0.0', MESH_PORT: '7222' };
const lans: Lan[] = [];
const running: NodeProcess[] = [];

async function lanOf(hosts: number): Promise<[Lan, ...LanHost[]]> {
  const lan = await createLan(hosts);
  lans.push(lan);
  return [lan, ...lan.hosts];
}

async function startOn(host: LanHost, env: Record<string, string> = {}): Promise<NodeProcess> {
  const node = await NodeProcess.start(
    { ...MESH, MESH_HOST: host.address, DATA_DIR: await tempDataDir(), ...env },
    { netns: host.namespace },
  );
  running.push(node);
  return node;
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

afterEach(async () => {
  try {
    // Nodes first: a namespace deleted under a running node would live on with it.
    await Promise.all(running.splice(0).map((node) => node.stop().catch(() => node.stop('SIGKILL'))));
  } finally {
    for (const lan of lans.splice(0)) await lan.destroy();
  }
});

describe('nodes on a LAN of network namespaces', () => {
  it('link across the bridge, notice a pulled cable within the liveness bound and link again when it is plugged back', async () => {
    const [lan, host1, host2] = await lanOf(2);
    if (!host1 || !host2) throw new Error('the LAN lacks hosts');
    // Each has the other as a fixed node: an acceptor takes only nodes it knows (discovery is off).
    const a = await startOn(host1, { MESH_PEERS: `${host2.address}:7222` });
    const b = await startOn(host2, { MESH_PEERS: `${host1.address}:7222` });
    const toA = `${escaped(host1.address)}:7222 \\(${a.nodeId}\\)`;

    // Both dial; which of the two links survives is the node-ID tie-break's choice.
    await b.untilOutput(new RegExp(`link up: ${toA} \\w+bound`));
    await a.untilOutput(new RegExp(`link up: ${escaped(host2.address)}:7222 \\(${b.nodeId}\\) \\w+bound`));
    expect(await a.api('/health')).toMatchObject({ status: 200, body: { status: 'ok' } });

    await lan.setLinkUp(host2, false);
    await b.untilOutput(new RegExp(`link down: ${toA}: timeout`));
    await lan.setLinkUp(host2, true);
    await b.untilOutput(new RegExp(`link up: ${toA}`), 2, 60_000);
  });

  it('is isolated: no default route in a host namespace, nothing outside the subnet reachable', async () => {
    const [lan, host] = await lanOf(1);
    if (!host) throw new Error('the LAN lacks hosts');

    const { stdout: routes } = await run('ip', ['netns', 'exec', host.namespace, 'ip', 'route']);
    expect(routes).not.toMatch(/^default/m);
    expect(routes).toContain(`${lan.subnet} dev ${host.interface}`);
    expect(routes).toContain(`224.0.0.0/4 dev ${host.interface}`);
    // A route lookup only: no packet is sent.
    await expect(
      run('ip', ['netns', 'exec', host.namespace, 'ip', 'route', 'get', '192.0.2.1']),
    ).rejects.toThrow(/unreachable/i);
  });
});
