import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import { epochMs } from '../scale/clock.js';
import type { Sighting } from './discovery-bench.types.js';

/**
 * Records, from the registry's and the link's events, when this node first listed each other node
 * (found by the search, told by a peer, or dialled by it) and when it first had a link to it.
 */
@Injectable()
export class PeerSightings {
  private readonly listed = new Map<string, number>();
  private readonly linked = new Map<string, number>();
  private waiters: Array<() => void> = [];

  @OnEvent('mesh.node.discovered')
  onDiscovered(node: MeshNodeView): void {
    this.list(node);
  }

  /** A known entry whose node ID was learned later. */
  @OnEvent('mesh.node.updated')
  onUpdated(node: MeshNodeView): void {
    this.list(node);
  }

  @OnEvent('mesh.link.up')
  onLinkUp({ nodeId }: { nodeId: string }): void {
    if (!this.linked.has(nodeId)) this.linked.set(nodeId, epochMs());
    this.wake();
  }

  /** Settles once every node is listed and linked, or after `limitMs` with what there is. */
  async until(nodeIds: string[], limitMs: number): Promise<Sighting[]> {
    const complete = () => nodeIds.every((id) => this.listed.has(id) && this.linked.has(id));
    const deadline = performance.now() + limitMs;
    while (!complete() && performance.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.waiters.push(done);
        timer = setTimeout(done, deadline - performance.now());
      });
      clearTimeout(timer);
    }
    return nodeIds.map((nodeId) => ({
      nodeId,
      listedAt: this.listed.get(nodeId),
      linkedAt: this.linked.get(nodeId),
    }));
  }

  private list(node: MeshNodeView): void {
    if (node.nodeId !== null && !this.listed.has(node.nodeId)) this.listed.set(node.nodeId, epochMs());
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
