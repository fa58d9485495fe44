import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { createLan, type Lan, type LanHost } from '../helpers/netns-lan.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

const run = promisify(execFile);
const MESH = { MESH_ID: 'netns', MESH_PASSWORD: 'netns-password', MESH_BIND: '0.0.0.0', MESH_PORT: '7222' };
const lans: Lan[] = [];
/** Connects to port 9 (nothing listens) of each address given; prints those not refused. */
const KNOCK = `
import { connect } from 'node:net';
for (const address of process.argv.slice(1)) {
  const outcome = await new Promise((done) => {
    const socket = connect({ host: address, port: 9, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), done('connected')));
    socket.once('timeout', () => (socket.destroy(), done('timeout')));
    socket.once('error', (error) => done(error.code));
  });
  if (outcome !== 'ECONNREFUSED') console.log(address + ' ' + outcome);
}
`;
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

  it('resolves every host from every other on a LAN larger than the kernel’s default neighbour table', async () => {
    // 40 × 39 = 1,560 neighbour entries in the one table all namespaces share: beyond its default
    // limit of 1,024, where the kernel stopped resolving the last hosts of a 33-host bench LAN.
    const hosts = 40;
    const hardLimit = '/proc/sys/net/ipv4/neigh/default/gc_thresh3';
    const before = Number((await readFile(hardLimit, 'utf8')).trim());
    const [lan, ...all] = await lanOf(hosts);
    expect(Number((await readFile(hardLimit, 'utf8')).trim())).toBeGreaterThanOrEqual(hosts * (hosts - 1));
    // Each host knocks on a closed port of every other: a refusal proves the address resolved;
    // an unresolved neighbour times out instead. The hosts in parallel, 2 s per knock at most.
    const unreachable = await Promise.all(
      all.map(async (host) => {
        const others = all.filter((other) => other !== host).map((other) => other.address);
        const { stdout } = await run(
          'ip',
          ['netns', 'exec', host.namespace, process.execPath, '--input-type=module', '-e', KNOCK, ...others],
          { timeout: 120_000 },
        );
        return stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => `${host.address} → ${line}`);
      }),
    );
    expect(unreachable.flat()).toEqual([]);
    await lan.destroy();
    // Put back once the LAN is gone (unless another LAN of this process still needs the room).
    expect(Number((await readFile(hardLimit, 'utf8')).trim())).toBe(before);
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
