import type { Provider } from '@nestjs/common';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { DataSource } from 'typeorm';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { CallDataModule } from '../../src/calldata/calldata.module.js';
import type { CallDataModuleOptions } from '../../src/calldata/calldata-module.options.js';
import { CallDataService } from '../../src/calldata/calldata.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

/** In-process nodes with MeshModule and CallDataModule, each on its own database. */
export function callDataCluster(defaults: CallDataModuleOptions = {}) {
  const cluster = meshCluster();
  const start = (mesh: Partial<MeshModuleOptions> = {}, calldata: CallDataModuleOptions = {}) =>
    cluster.start(mesh, [], [CallDataModule.forRoot({ syncIntervalMs: 300, ...defaults, ...calldata })]);
  return {
    start,
    /**
     * A node with the mesh but no CallData: its `providers` play a faulty or hostile peer, after
     * a real handshake with the right mesh password.
     */
    startBare: (providers: Provider[] = []) => cluster.start({}, providers),
    /** Closes the node, runs `whileDown`, and starts it again on its database. */
    restart: (node: MeshNode, whileDown?: () => Promise<void>) => cluster.restart(node, {}, whileDown),
    /** Nodes linked each to each (a full mesh), in the order given. */
    async fullMesh(count: number, mesh: Partial<MeshModuleOptions> = {}): Promise<MeshNode[]> {
      const nodes: MeshNode[] = [];
      for (let i = 0; i < count; i++) nodes.push(await start(mesh));
      for (const [i, node] of nodes.entries())
        for (const peer of nodes.slice(i + 1)) node.link.connect(peer.target);
      for (const node of nodes)
        await node.until('a full mesh', () => node.link.linkedNodes().length === count - 1);
      return nodes;
    },
  };
}

export function callData(node: MeshNode): CallDataService {
  return node.app.get(CallDataService);
}

/** Waits until the node shows these fields for the call. */
export function untilFields(node: MeshNode, callLinkageId: string, fields: Record<string, string>) {
  const expected = JSON.stringify(sorted(fields));
  return untilCall(node, callLinkageId, expected, (seen) => JSON.stringify(sorted(seen)) === expected);
}

/** Waits until the node shows `value` for one field of the call, whatever its other fields are. */
export function untilField(node: MeshNode, callLinkageId: string, key: string, value: string) {
  return untilCall(node, callLinkageId, `${key}=${value}`, (seen) => seen[key] === value);
}

async function untilCall(
  node: MeshNode,
  callLinkageId: string,
  expected: string,
  holds: (fields: Record<string, string>) => boolean,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const fields = (await callData(node).get(callLinkageId))?.fields ?? {};
    if (holds(fields)) return;
    if (Date.now() > deadline)
      throw new Error(
        `call ${callLinkageId}: expected ${expected}, last saw ${JSON.stringify(sorted(fields))}`,
      );
    await new Promise((done) => setTimeout(done, 25));
  }
}

/** Waits until every node shows the same fields for the call (and it exists); answers them. */
export async function untilSame(nodes: MeshNode[], callLinkageId: string): Promise<Record<string, string>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const seen = await Promise.all(
      nodes.map(async (node) =>
        JSON.stringify(sorted((await callData(node).get(callLinkageId))?.fields ?? {})),
      ),
    );
    if (seen.every((s) => s === seen[0]) && seen[0] !== '{}')
      return JSON.parse(seen[0]!) as Record<string, string>;
    if (Date.now() > deadline)
      throw new Error(`call ${callLinkageId}: the nodes disagree: ${seen.join(' ')}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

function sorted(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));
}

/** Rows of the node's replication log for a call: what it would ever send to a peer. */
export async function loggedChanges(node: MeshNode, callLinkageId: string): Promise<number> {
  const rows = await node.app
    .get(DataSource)
    .query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM calldata_change WHERE call_linkage_id = $1',
      [callLinkageId],
    );
  return rows[0]?.n ?? 0;
}

/** Unchecks (or checks) `peer` in `node`'s list, as an operator would: the link closes on both sides. */
export async function setConnect(node: MeshNode, peer: MeshNode, connect: boolean): Promise<void> {
  const registry = node.app.get(PeerRegistryService);
  const entry = await node.until(`${peer.nodeId} listed`, () =>
    registry.list().find((n) => n.nodeId === peer.nodeId),
  );
  await registry.setConnect(entry.id, connect);
  if (!connect) await node.until('the link closed', () => !node.link.isLinked(peer.nodeId));
}
