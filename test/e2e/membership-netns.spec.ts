import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { allStarted, eventually, lanNodes } from '../helpers/lan-nodes.js';
import type { LanHost } from '../helpers/netns-lan.js';
import type { NodeProcess } from '../helpers/node-process.js';
import { mdnsListeners } from '../netns/mdns-sniffer.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

// Multicast leaves a node only here, inside namespaces this test creates: a node searches on its
// namespace's LAN interface, which has no way out of the test LAN, or on no interface at all.

const INTERVAL_MS = 1000;
const MESH_ID = 'member-mesh-5b19c0';
const PASSWORD = 'member-mesh-password';
/** An IPv4 address no host of a test LAN has: a search told to use it waits and opens no socket. */
const ABSENT_ADDRESS = '10.255.255.254';
const LIMIT_MS = 90_000;

type Node = MeshNodeView;

interface Started {
  host: LanHost;
  /** The full environment, kept so that a restart runs the node exactly as before. */
  env: Record<string, string>;
  process: NodeProcess;
}

const lan = lanNodes('ucmemb');

/** The search on, on the host's own LAN interface. */
function searching(host: LanHost): Record<string, string> {
  return {
    MESH_DISCOVERY: 'true',
    MESH_DISCOVERY_INTERFACE: host.address,
    MESH_DISCOVERY_INTERVAL_MS: String(INTERVAL_MS),
  };
}

async function envFor(host: LanHost, extra: Record<string, string>): Promise<Record<string, string>> {
  const dataDir = await lan.dataDir();
  return {
    MESH_BIND: '0.0.0.0',
    MESH_PORT: '7222',
    MESH_HOST: host.address,
    MESH_ID,
    MESH_PASSWORD: PASSWORD,
    DATA_DIR: dataDir,
    ...extra,
  };
}

/** Starts a node; a node that started is stopped after the test whatever happens. */
async function startNode(host: LanHost, env: Record<string, string>): Promise<Started> {
  return { host, env, process: await lan.start(host, env) };
}

/** Starts nodes at once; every node that did start is stopped after the test, even if another failed. */
function startAll(specs: Array<[LanHost, Record<string, string>]>): Promise<Started[]> {
  return allStarted(specs.map(async ([host, extra]) => startNode(host, await envFor(host, extra))));
}

/** SIGTERM, a clean exit, and the same node started again on the same DATA_DIR and environment. */
async function restart(node: Started): Promise<Started> {
  expect(await lan.stop(node.process)).toEqual({ code: 0, signal: null });
  return startNode(node.host, node.env);
}

async function api(
  node: Started,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  return node.process.api(path, { ...init, token: node.process.adminToken });
}

async function nodesOf(node: Started): Promise<Node[]> {
  const { status, body } = await api(node, '/api/mesh/nodes');
  if (status !== 200) throw new Error(`GET /api/mesh/nodes: ${status} ${JSON.stringify(body)}`);
  return body as Node[];
}

/** Polls `probe` until `done` holds, within the file's limit. */
function eventuallyHere<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  limitMs = LIMIT_MS,
): Promise<T> {
  return eventually(probe, done, limitMs);
}

/** The entry for `other` in a node list, by node ID. */
function entryOf(list: Node[], other: Started): Node | undefined {
  return list.find((node) => node.nodeId === other.process.nodeId);
}

/** `other` listed at its address, in `group`, with the checkbox set and the link up. */
function connectedAs(list: Node[], other: Started, group: 'fixed' | 'discovered'): boolean {
  const entry = entryOf(list, other);
  return (
    entry !== undefined &&
    entry.host === other.host.address &&
    entry.port === 7222 &&
    entry.group === group &&
    entry.connect &&
    entry.status.state === 'connected'
  );
}

/** `other` refuses this node: its dials fail with `disabled-remote`. */
function refusedBy(list: Node[], other: Started): boolean {
  const entry = entryOf(list, other);
  return entry?.status.state === 'error' && entry.status.reason === 'disabled-remote';
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function linkUpPattern(to: Started): RegExp {
  return new RegExp(`link up: ${escaped(to.host.address)}:7222 \\(${to.process.nodeId}\\) (\\w+)`);
}

function countOf(text: string, pattern: RegExp): number {
  return (text.match(new RegExp(pattern.source, 'g')) ?? []).length;
}

async function linked(a: Started, b: Started): Promise<void> {
  await a.process.untilOutput(linkUpPattern(b), 1, LIMIT_MS);
  await b.process.untilOutput(linkUpPattern(a), 1, LIMIT_MS);
}

describe('member lists and the node list between network namespaces', () => {
  it('spreads membership over links where multicast does not reach, so the mesh becomes full', async () => {
    const [h1, h2, h3] = await lan.hosts(3);
    if (!h1 || !h2 || !h3) throw new Error('the LAN lacks hosts');
    const [n1, n2] = await startAll([
      [h1, searching(h1)],
      [h2, searching(h2)],
    ]);
    if (!n1 || !n2) throw new Error('nodes 1 and 2 did not start');
    // Nodes 1 and 2 find each other by multicast before node 3 exists: whatever node 2 learns of
    // node 3 later can only come from node 3 itself.
    await linked(n1, n2);

    // Node 3 accepts member lists (search on) but its search waits for an address it never gets.
    const n3 = await startNode(
      h3,
      await envFor(h3, {
        MESH_DISCOVERY: 'true',
        MESH_DISCOVERY_INTERFACE: ABSENT_ADDRESS,
        MESH_DISCOVERY_INTERVAL_MS: String(INTERVAL_MS),
        MESH_PEERS: `${h1.address}:7222`,
      }),
    );
    await n3.process.untilOutput(
      new RegExp(`${escaped(ABSENT_ADDRESS)} is not an address of this computer; waiting for it`),
    );
    const settings = await api(n3, '/api/mesh');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ discovery: true, discoveryIntervalMs: INTERVAL_MS });

    await linked(n3, n1);
    await linked(n3, n2);
    // Node 2 did not know node 3 before node 3 dialled it: node 3 got node 2's address from node 1.
    expect(linkUpPattern(n2).exec(n3.process.output)?.[1]).toBe('outbound');

    const expected: Array<[Started, Array<[Started, 'fixed' | 'discovered']>]> = [
      [
        n3,
        [
          [n1, 'fixed'],
          [n2, 'discovered'],
        ],
      ],
      [
        n1,
        [
          [n2, 'discovered'],
          [n3, 'discovered'],
        ],
      ],
      [
        n2,
        [
          [n1, 'discovered'],
          [n3, 'discovered'],
        ],
      ],
    ];
    const asExpected = (list: Node[], others: Array<[Started, 'fixed' | 'discovered']>): boolean =>
      list.length === others.length && others.every(([other, group]) => connectedAs(list, other, group));
    for (const [node, others] of expected) {
      await eventuallyHere(
        () => nodesOf(node),
        (list) => asExpected(list, others),
      );
    }

    // A few search intervals later nothing changed: node 2, never heard by node 3, stays linked
    // and listed, and node 3 still has no multicast socket and has not joined the mDNS group.
    await sleep(5 * INTERVAL_MS);
    for (const [node, others] of expected) expect(asExpected(await nodesOf(node), others)).toBe(true);
    expect(await mdnsListeners(h3)).toEqual({ sockets: [], joined: false });
    expect(n3.process.output).not.toMatch(/LAN search found/);
    // The same check sees a node that does search.
    const listening = await mdnsListeners(h1);
    expect(listening.sockets.length).toBeGreaterThan(0);
    expect(listening.joined).toBe(true);
  }, 300_000);

  it('pins a discovered node and keeps the checkbox of a discovered node across a restart', async () => {
    const [h1, h2, h3] = await lan.hosts(3);
    if (!h1 || !h2 || !h3) throw new Error('the LAN lacks hosts');
    const [n1, n2, n3] = await startAll([
      [h1, searching(h1)],
      [h2, searching(h2)],
      [h3, searching(h3)],
    ]);
    if (!n1 || !n2 || !n3) throw new Error('nodes did not start');
    const found = await eventuallyHere(
      () => nodesOf(n1),
      (list) =>
        list.length === 2 && connectedAs(list, n2, 'discovered') && connectedAs(list, n3, 'discovered'),
    );
    const second = entryOf(found, n2);
    const third = entryOf(found, n3);
    if (!second || !third) throw new Error('node 1 lacks nodes 2 and 3');

    const pinned = await api(n1, `/api/mesh/nodes/${second.id}/pin`, { method: 'POST' });
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({
      id: second.id,
      nodeId: n2.process.nodeId,
      host: h2.address,
      port: 7222,
      group: 'fixed',
      connect: true,
    });

    const unchecked = await api(n1, `/api/mesh/nodes/${third.id}`, {
      method: 'PATCH',
      body: { connect: false },
    });
    expect(unchecked.status).toBe(200);
    expect(unchecked.body).toMatchObject({
      id: third.id,
      nodeId: n3.process.nodeId,
      group: 'discovered',
      connect: false,
      status: { state: 'disabled' },
    });
    await eventuallyHere(
      () => nodesOf(n1),
      (list) => connectedAs(list, n2, 'fixed') && entryOf(list, n3)?.status.state === 'disabled',
    );
    await eventuallyHere(
      () => nodesOf(n3),
      (list) => refusedBy(list, n1) && connectedAs(list, n2, 'discovered'),
    );
    const linksFrom3To1 = countOf(n3.process.output, linkUpPattern(n1));

    const again = await restart(n1);
    expect(again.process.nodeId).toBe(n1.process.nodeId);
    await linked(again, n2);
    // Node 3 keeps announcing and dialling; the restarted node hears it and refuses it.
    await again.process.untilOutput(
      new RegExp(`LAN search found ${escaped(h3.address)}:7222 \\(${n3.process.nodeId}\\)`),
      1,
      LIMIT_MS,
    );
    await again.process.untilOutput(
      new RegExp(`inbound link from (::ffff:)?${escaped(h3.address)} refused: disabled-remote`),
      1,
      LIMIT_MS,
    );
    await eventuallyHere(
      () => nodesOf(n3),
      (list) => refusedBy(list, n1) && connectedAs(list, n2, 'discovered'),
    );

    // A few more intervals of announcements and dials from node 3: the decision stands.
    await sleep(5 * INTERVAL_MS);
    const after = await nodesOf(again);
    expect(after).toHaveLength(2);
    expect(entryOf(after, n2)).toMatchObject({
      id: second.id,
      host: h2.address,
      port: 7222,
      group: 'fixed',
      connect: true,
      status: { state: 'connected' },
    });
    expect(entryOf(after, n3)).toMatchObject({
      id: third.id,
      host: h3.address,
      port: 7222,
      group: 'discovered',
      connect: false,
      status: { state: 'disabled' },
    });
    expect(again.process.output).not.toMatch(linkUpPattern(n3));
    expect(countOf(n3.process.output, linkUpPattern(again))).toBe(linksFrom3To1);
    await eventuallyHere(
      () => nodesOf(n3),
      (list) => refusedBy(list, n1) && connectedAs(list, n2, 'discovered'),
    );
    await eventuallyHere(
      () => nodesOf(n2),
      (list) =>
        list.length === 2 && connectedAs(list, n1, 'discovered') && connectedAs(list, n3, 'discovered'),
    );
  }, 300_000);
});
