import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { allStarted, eventually, lanNodes } from '../helpers/lan-nodes.js';
import type { LanHost } from '../helpers/netns-lan.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { MdnsSniffer, mdnsListeners } from '../netns/mdns-sniffer.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

// Multicast leaves a node only here, inside namespaces this test creates: every node of these
// tests searches on its namespace's LAN interface, which has no way out of the test LAN.

const INTERVAL_MS = 1000;
const TOKEN = 'discovery-netns-admin-token';
const MESH_ID = 'lan-mesh-7f3a91';
const PASSWORD = 'lan-mesh-password';
const MEMBER = { MESH_ID, MESH_PASSWORD: PASSWORD };
const OTHER_MESH = { MESH_ID: 'other-mesh-c2d8e4', MESH_PASSWORD: PASSWORD };
const WRONG_PASSWORD = { MESH_ID, MESH_PASSWORD: 'not-the-password' };
const SEARCH_LIMIT_MS = 60_000;

type Node = MeshNodeView;

interface Started {
  host: LanHost;
  process: NodeProcess;
}

const lan = lanNodes('ucdisc');

/** Starts nodes at once; every node that did start is stopped after the test, even if another failed. */
function startAll(specs: Array<[LanHost, Record<string, string>]>): Promise<Started[]> {
  return allStarted(
    specs.map(async ([host, env]) => {
      const process = await lan.start(host, {
        MESH_BIND: '0.0.0.0',
        MESH_PORT: '7222',
        MESH_HOST: host.address,
        MESH_DISCOVERY: 'true',
        MESH_DISCOVERY_INTERFACE: host.address,
        MESH_DISCOVERY_INTERVAL_MS: String(INTERVAL_MS),
        ADMIN_TOKEN: TOKEN,
        DATA_DIR: await lan.dataDir(),
        ...env,
      });
      return { host, process };
    }),
  );
}

async function nodesOf(node: Started): Promise<Node[]> {
  const { status, body } = await node.process.api('/api/mesh/nodes', { token: TOKEN });
  if (status !== 200) throw new Error(`GET /api/mesh/nodes: ${status} ${JSON.stringify(body)}`);
  return body as Node[];
}

/** Each of `others`, connected and in the discovered group, and nothing else. */
function exactlyDiscovered(list: Node[], others: Started[]): boolean {
  return (
    list.length === others.length &&
    others.every((other) =>
      list.some(
        (node) =>
          node.nodeId === other.process.nodeId &&
          node.host === other.host.address &&
          node.port === 7222 &&
          node.group === 'discovered' &&
          node.status.state === 'connected',
      ),
    )
  );
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `host`'s address as a whole word: 10.1.2.1 must not match 10.1.2.14. */
function addressPattern(host: LanHost): RegExp {
  return new RegExp(`${escaped(host.address)}(?![0-9])`);
}

function linkUpPattern(to: Started): RegExp {
  return new RegExp(`link up: ${escaped(to.host.address)}:7222 \\(${to.process.nodeId}\\)`);
}

async function fullMesh(members: Started[]): Promise<void> {
  for (const member of members) {
    for (const other of members) {
      if (other !== member) await member.process.untilOutput(linkUpPattern(other), 1, SEARCH_LIMIT_MS);
    }
  }
  for (const member of members) {
    const others = members.filter((other) => other !== member);
    await eventually(
      () => nodesOf(member),
      (list) => exactlyDiscovered(list, others),
      SEARCH_LIMIT_MS,
    );
  }
}

describe('LAN search (DNS-SD over multicast DNS) between network namespaces', () => {
  it('lets three nodes of one mesh find each other and link fully, and never lists another mesh or a wrong password', async () => {
    const hosts = await lan.hosts(5);
    const [h1, h2, h3, h4, h5] = hosts;
    if (!h1 || !h2 || !h3 || !h4 || !h5) throw new Error('the LAN lacks hosts');
    const sniffer = await MdnsSniffer.start(h1);
    lan.onCleanup(() => sniffer.stop());

    const nodes = await startAll([
      [h1, MEMBER],
      [h2, MEMBER],
      [h3, MEMBER],
      [h4, OTHER_MESH],
      [h5, WRONG_PASSWORD],
    ]);
    const members = nodes.slice(0, 3);
    const [otherMesh, wrongPassword] = nodes.slice(3);
    if (!otherMesh || !wrongPassword) throw new Error('nodes 4 and 5 did not start');

    // No fixed configuration at all: whatever links exist came from the search.
    await fullMesh(members);
    // A few more search intervals in which 4 and 5 keep announcing and browsing.
    await sleep(5 * INTERVAL_MS);

    for (const member of members) {
      const others = members.filter((other) => other !== member);
      expect(exactlyDiscovered(await nodesOf(member), others)).toBe(true);
      for (const stranger of [otherMesh, wrongPassword]) {
        expect(member.process.output).not.toContain(stranger.process.nodeId);
        expect(member.process.output).not.toMatch(addressPattern(stranger.host));
      }
    }
    for (const stranger of [otherMesh, wrongPassword]) {
      expect(await nodesOf(stranger)).toEqual([]);
      expect(stranger.process.output).not.toMatch(/link up:/);
    }

    // Nodes 4 and 5 did announce themselves where node 1 listens: their records were refused.
    for (const stranger of [otherMesh, wrongPassword]) {
      const announced = sniffer
        .packets({ from: stranger.host.address })
        .some((packet) => packet.bytes.includes(`id=${stranger.process.nodeId}`));
      expect(announced).toBe(true);
    }
    // The mesh IDs are not readable on the wire.
    const wire = sniffer.packets();
    expect(wire.length).toBeGreaterThan(0);
    for (const packet of wire) {
      expect(packet.bytes.includes(MESH_ID)).toBe(false);
      expect(packet.bytes.includes(OTHER_MESH.MESH_ID)).toBe(false);
    }
  }, 300_000);

  it('drops a node that stopped from the discovered list of the others after a few intervals', async () => {
    const [h1, h2, h3] = await lan.hosts(3);
    if (!h1 || !h2 || !h3) throw new Error('the LAN lacks hosts');
    const nodes = await startAll([
      [h1, MEMBER],
      [h2, MEMBER],
      [h3, MEMBER],
    ]);
    const [a, b, gone] = nodes;
    if (!a || !b || !gone) throw new Error('nodes did not start');
    await fullMesh(nodes);

    expect(await lan.stop(gone.process)).toEqual({ code: 0, signal: null });

    for (const [node, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await eventually(
        () => nodesOf(node),
        (list) => !list.some((entry) => entry.nodeId === gone.process.nodeId),
        SEARCH_LIMIT_MS,
      );
      expect(exactlyDiscovered(await nodesOf(node), [other])).toBe(true);
    }
  }, 300_000);

  it('with the search off sends nothing and listens for nothing, also after switching it off at runtime', async () => {
    const [h1, h2] = await lan.hosts(2);
    if (!h1 || !h2) throw new Error('the LAN lacks hosts');
    const sniffer = await MdnsSniffer.start(h1);
    lan.onCleanup(() => sniffer.stop());
    const [searching, silent] = await startAll([
      [h1, MEMBER],
      [h2, { ...MEMBER, MESH_DISCOVERY: 'false' }],
    ]);
    if (!searching || !silent) throw new Error('nodes did not start');

    // Several intervals in which the searching node browses: a listening node would answer.
    await sleep(5 * INTERVAL_MS);
    expect(await mdnsListeners(silent.host)).toEqual({ sockets: [], joined: false });
    expect(sniffer.packets({ from: searching.host.address }).length).toBeGreaterThan(0);
    expect(sniffer.packets({ from: silent.host.address })).toEqual([]);
    expect(await nodesOf(searching)).toEqual([]);

    // Switched on at runtime: the same checks see it, so they can fail.
    const on = await silent.process.api('/api/mesh/settings', {
      method: 'PUT',
      token: TOKEN,
      body: { discovery: true },
    });
    expect(on.status).toBe(200);
    await fullMesh([searching, silent]);
    const listening = await mdnsListeners(silent.host);
    expect(listening.sockets.length).toBeGreaterThan(0);
    expect(listening.joined).toBe(true);
    expect(sniffer.packets({ from: silent.host.address }).length).toBeGreaterThan(0);

    const off = await silent.process.api('/api/mesh/settings', {
      method: 'PUT',
      token: TOKEN,
      body: { discovery: false },
    });
    expect(off.status).toBe(200);
    await silent.process.untilOutput(/LAN search stopped: switched off/);
    // Packets sent before the stop may still be on their way through the sniffer's pipe.
    await sleep(200);
    const since = Date.now();
    await sleep(5 * INTERVAL_MS);
    expect(await mdnsListeners(silent.host)).toEqual({ sockets: [], joined: false });
    expect(sniffer.packets({ from: silent.host.address, since })).toEqual([]);
    expect(sniffer.packets({ from: searching.host.address, since }).length).toBeGreaterThan(0);
  }, 300_000);
});
