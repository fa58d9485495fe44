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
    restart: (node: MeshNode) => cluster.restart(node),
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
export async function untilFields(node: MeshNode, callLinkageId: string, fields: Record<string, string>) {
  const expected = JSON.stringify(sorted(fields));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const last = JSON.stringify(sorted((await callData(node).get(callLinkageId))?.fields ?? {}));
    if (last === expected) return;
    if (Date.now() > deadline)
      throw new Error(`call ${callLinkageId}: expected ${expected}, last saw ${last}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

function sorted(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));
}
