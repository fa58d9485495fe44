import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { OnMeshMessage, type MeshMessageContext } from '../../src/mesh/link/on-mesh-message.decorator.js';
import {
  MeshNotLinkedError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from '../../src/mesh/link/link.errors.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

/** A provider of a host application that uses the mesh. */
@Injectable()
class PresenceHandlers {
  readonly received: Array<{ payload: unknown; from: string }> = [];

  @OnMeshMessage('presence.changed')
  onPresence(payload: unknown, context: MeshMessageContext): void {
    this.received.push({ payload, from: context.fromNodeId });
  }

  @OnMeshMessage('presence.query')
  async query(payload: { user: string }, context: MeshMessageContext): Promise<unknown> {
    await new Promise((done) => setTimeout(done, 5));
    return { user: payload.user, state: 'available', answeredFor: context.fromNodeId };
  }

  @OnMeshMessage('presence.broken')
  broken(): never {
    throw new Error('the presence store is down');
  }

  /** Answers at once (no promise): a symbol cannot be sent, so the requester must get a fault. */
  @OnMeshMessage('presence.unsendable')
  unsendable(payload: { sendable: boolean }): unknown {
    return payload.sendable ? { state: 'available' } : { state: Symbol('available') };
  }

  @OnMeshMessage('presence.slow')
  slow(): Promise<never> {
    return new Promise(() => undefined);
  }
}

describe('messaging between linked nodes', () => {
  const cluster = meshCluster();
  const start = () => cluster.start({}, [PresenceHandlers]);

  it('links two nodes both ways and delivers a message to a decorated handler', async () => {
    const [a, b] = [await start(), await start()];
    a.link.connect(b.target);
    const status = await a.untilStatus(b.target, 'connected');
    expect(status).toMatchObject({
      direction: 'outbound',
      transport: 'tcp',
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:/),
    });
    await b.until('inbound link', () => b.link.isLinked(a.nodeId));

    await a.link.send(b.nodeId, 'presence.changed', { user: 'alice', state: 'busy' });
    await b.link.send(a.nodeId, 'presence.changed', { user: 'bob', state: 'away' });
    const atB = b.app.get(PresenceHandlers).received;
    const atA = a.app.get(PresenceHandlers).received;
    await b.until('message at B', () => atB.length === 1);
    await a.until('message at A', () => atA.length === 1);
    expect(atB).toEqual([{ payload: { user: 'alice', state: 'busy' }, from: a.nodeId }]);
    expect(atA).toEqual([{ payload: { user: 'bob', state: 'away' }, from: b.nodeId }]);
    expect(a.events.find((e) => e.name === 'mesh.link.up')?.payload).toMatchObject({
      nodeId: b.nodeId,
      direction: 'outbound',
    });
    expect(b.events.find((e) => e.name === 'mesh.link.up')?.payload).toMatchObject({
      nodeId: a.nodeId,
      direction: 'inbound',
    });
  });

  it('answers requests across three nodes, and reports failures clearly', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    a.link.connect(b.target);
    a.link.connect(c.target);
    b.link.connect(c.target);
    await a.untilStatus(b.target, 'connected');
    await a.untilStatus(c.target, 'connected');
    await b.untilStatus(c.target, 'connected');
    await c.until('two links at C', () => c.link.linkedNodes().length === 2);

    for (const [from, to] of [
      [a, b],
      [a, c],
      [b, c],
      [c, a],
      [c, b],
      [b, a],
    ] as const) {
      await expect(from.link.request(to.nodeId, 'presence.query', { user: 'carol' })).resolves.toEqual({
        user: 'carol',
        state: 'available',
        answeredFor: from.nodeId,
      });
    }

    await expect(a.link.request(b.nodeId, 'presence.broken', {})).rejects.toThrow(
      new MeshRemoteError(b.nodeId, 'presence.broken', 'handler-failed', 'the presence store is down'),
    );
    await expect(a.link.request(b.nodeId, 'no.such.topic', {})).rejects.toThrow(MeshRemoteError);
    await expect(a.link.request(b.nodeId, 'presence.slow', {}, { timeoutMs: 200 })).rejects.toThrow(
      MeshRequestTimeoutError,
    );
    await expect(
      a.link.request('00000000-0000-4000-8000-000000000000', 'presence.query', {}),
    ).rejects.toThrow(MeshNotLinkedError);
    await expect(a.link.request(b.nodeId, 'presence.unsendable', { sendable: true })).resolves.toEqual({
      state: 'available',
    });
    await expect(a.link.request(b.nodeId, 'presence.unsendable', { sendable: false })).rejects.toThrow(
      /handler-failed.*the answer could not be encoded: Unknown type: symbol/,
    );
    // A failing handler never breaks the link.
    await expect(a.link.request(b.nodeId, 'presence.query', { user: 'dave' })).resolves.toMatchObject({
      user: 'dave',
    });

    const reached = await a.link.broadcast('presence.changed', { user: 'erin', state: 'dnd' });
    expect(reached.sort()).toEqual([b.nodeId, c.nodeId].sort());
    await b.until('broadcast at B', () => b.app.get(PresenceHandlers).received.length === 1);
    await c.until('broadcast at C', () => c.app.get(PresenceHandlers).received.length === 1);
  });
});
