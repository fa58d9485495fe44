import { afterEach, describe, expect, it } from '@jest/globals';
import { until } from '../helpers/until.js';
import { licensedFor } from '../helpers/mesh-license.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';

const MESH = {
  MESH_HOST: '127.0.0.1',
  MESH_ID: 'frozen-spread',
  MESH_PASSWORD: 'frozen-spread-password',
  MESH_DISCOVERY: 'false',
  // No periodic catch-up during the test: the only traffic to the frozen peer is liveness.
  CALLDATA_SYNC_INTERVAL_MS: '3600000',
};
const running: NodeProcess[] = [];

afterEach(async () => {
  for (const node of running.splice(0)) {
    node.signal('SIGCONT');
    await node.stop().catch(() => undefined);
  }
});

describe('a frozen peer noticed by one node', () => {
  it('is probed by the other nodes at once on its report, instead of at their next idle probe, and is timed out there too', async () => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    const peersOf = (i: number) =>
      ports
        .filter((_, j) => j !== i)
        .map((port) => `127.0.0.1:${port}`)
        .join(',');
    // A probes each quiet link every second; B, C and the peer P only every 30 s (3 links / 0.1 per s):
    // B and C do not notice P by their own probes during the test, only because A tells them.
    const rates = ['100', '0.1', '0.1', '0.1'];
    // The evaluation's two links are too few for four nodes.
    const { license, licensePublicKey } = await licensedFor(4);
    const nodes = await Promise.all(
      ports.map(async (port, i) => {
        const node = await NodeProcess.start({
          ...MESH,
          MESH_LICENSE: license as string,
          MESH_LICENSE_PUBLIC_KEY: licensePublicKey as string,
          DATA_DIR: await tempDataDir(),
          MESH_PORT: String(port),
          MESH_PEERS: peersOf(i),
          MESH_IDLE_PROBES_PER_SECOND: rates[i] as string,
        });
        running.push(node);
        return node;
      }),
    );
    const [a, b, c, p] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    const count = (node: NodeProcess, pattern: RegExp) =>
      (node.output.match(new RegExp(pattern.source, 'g')) ?? []).length;
    const downP = new RegExp(`link down: \\S+ \\(${p.nodeId}\\): timeout`);
    // Whoever reported it first: A (probing every second) mostly, but B or C may have noticed P
    // by its own traffic at the same time, and its report makes the other one probe.
    const probed = new RegExp(`probing ${p.nodeId}: \\S+ reports it stopped answering`);
    const about = (node: NodeProcess) =>
      node.output
        .split('\n')
        .filter((line) => line.includes(p.nodeId))
        .slice(-8)
        .join('\n');

    // B or C may still wait for P's answer to its own last message when P freezes (a link just
    // back up still exchanges its state), and notice P by that. An attempt shows the spread when
    // one of them probed P on a report instead; else P goes on, the nodes settle, and it is tried
    // again, at most three times.
    let spreadTo: NodeProcess[];
    for (let attempt = 1; ; attempt++) {
      await untilQuiet(nodes);
      const downs = [a, b, c].map((node) => count(node, downP));
      const probes = [b, c].map((node) => count(node, probed));
      p.signal('SIGSTOP');
      await a.untilOutput(downP, (downs[0] as number) + 1);
      await b.untilOutput(downP, (downs[1] as number) + 1);
      await c.untilOutput(downP, (downs[2] as number) + 1);
      spreadTo = [b, c].filter((node, i) => count(node, probed) > (probes[i] as number));
      if (spreadTo.length > 0) break;
      if (attempt === 3) {
        throw new Error(
          `B and C noticed the frozen peer by their own traffic three times\nB:\n${about(b)}\nC:\n${about(c)}`,
        );
      }
      p.signal('SIGCONT');
    }
    // The timeout is the probe's outcome: a node that probed on the report lost P after that.
    for (const node of spreadTo) {
      const lines = node.output.split('\n');
      const lastProbe = lines.findLastIndex((line) => probed.test(line));
      const lastDown = lines.findLastIndex((line) => downP.test(line));
      expect(lastDown).toBeGreaterThan(lastProbe);
    }
  });
});

/**
 * Every node's topology complete, each link with its round trip (the last thing a new link
 * publishes): the nodes have nothing more to tell each other until something changes.
 */
async function untilQuiet(nodes: NodeProcess[]): Promise<void> {
  for (const node of nodes) {
    await until(`${node.nodeId}: topology complete`, async () => {
      const { body } = await node.api('/api/mesh/topology', { token: node.adminToken });
      const topology = body as { complete?: boolean; links?: Array<{ rttMs?: number }> };
      const links = topology.links ?? [];
      const settled = links.length === 6 && links.every((link) => link.rttMs !== undefined);
      return topology.complete === true && settled ? true : undefined;
    });
  }
}
