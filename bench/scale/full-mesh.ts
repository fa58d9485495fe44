import type { INestApplicationContext } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { epochMs } from './clock.js';
import type { LinkStepResult, Peer } from './scale-bench.types.js';

/**
 * Adds every peer as a fixed node, as an administrator (or `MESH_PEERS`) would, and waits until
 * the node has a link to each: counted from the link events, at most `limitMs`. Failed dials and
 * refused inbound links meanwhile are counted by direction and reason.
 */
export async function linkFullMesh(
  app: INestApplicationContext,
  peers: Peer[],
  limitMs: number,
): Promise<LinkStepResult> {
  const link = app.get(LinkService);
  const events = app.get(EventEmitter2);
  const failures: Record<string, number> = {};
  let linkUps = 0;
  let full!: () => void;
  const linked = new Promise<void>((done) => (full = done));
  let fullAt: number | undefined;
  const onUp = () => {
    linkUps++;
    if (fullAt === undefined && link.linkedNodes().length >= peers.length) {
      fullAt = epochMs();
      full();
    }
  };
  const onError = (error: { direction: string; reason: string }) => {
    const key = `${error.direction} ${error.reason}`;
    failures[key] = (failures[key] ?? 0) + 1;
  };
  events.on('mesh.link.up', onUp);
  events.on('mesh.link.error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    const registry = app.get(PeerRegistryService);
    for (const peer of peers) await registry.addFixed(peer);
    await Promise.race([linked, new Promise((done) => (timer = setTimeout(done, limitMs)))]);
  } finally {
    clearTimeout(timer);
    events.off('mesh.link.up', onUp);
    events.off('mesh.link.error', onError);
  }
  return { fullAt, links: link.linkedNodes().length, linkUps, failures };
}
