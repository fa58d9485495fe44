import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { of, type Observable } from 'rxjs';
import { defineMeshTopic } from '../../src/mesh/link/mesh-topic.js';
import type { LinkService } from '../../src/mesh/link/link.service.js';
import {
  OnMeshEvent,
  OnMeshRequest,
  type MeshMessageContext,
} from '../../src/mesh/link/on-mesh-message.decorator.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

interface Presence {
  user: string;
  status: 'available' | 'busy' | 'offline';
}

const PresenceQuery = defineMeshTopic<{ user: string }, Presence>('typed.presence.query');
const PresenceChanged = defineMeshTopic<Presence>('typed.presence.changed');
const Count = defineMeshTopic<{ of: string }, number>('typed.count');

@Injectable()
class TypedPresence {
  readonly heard: Array<Presence & { from: string }> = [];

  @OnMeshRequest(PresenceQuery)
  answer(query: { user: string }): Promise<Presence> {
    return Promise.resolve({ user: query.user, status: 'busy' });
  }

  @OnMeshEvent(PresenceChanged)
  changed(presence: Presence, context: MeshMessageContext): void {
    this.heard.push({ ...presence, from: context.fromNodeId });
  }

  /** An Observable answer counts as the answer's type too. */
  @OnMeshRequest(Count)
  count(query: { of: string }): Observable<number> {
    return of(query.of.length);
  }
}

/**
 * Compile-time checks (`npm run lint` runs tsc over the tests): every `@ts-expect-error` below
 * must be an error, or tsc fails on the unused directive. Never called.
 */
export async function typeChecks(link: LinkService): Promise<void> {
  const answer: Presence = await link.request('node', PresenceQuery, { user: 'alice' });
  const results = await link.requestAll(PresenceQuery, { user: 'alice' });
  const first: Presence | undefined = results[0]?.ok ? results[0].answer : undefined;
  await link.send('node', PresenceChanged, { user: 'alice', status: 'busy' });
  await link.broadcast(PresenceChanged, { user: 'alice', status: 'offline' });
  // Plain names stay as before: nothing is checked.
  await link.request<number>('node', 'typed.count', { anything: true });
  void [answer, first];

  // @ts-expect-error the payload misses `user`
  await link.request('node', PresenceQuery, { name: 'alice' });
  // @ts-expect-error the answer is a Presence, not a number
  const wrongAnswer: number = await link.request('node', PresenceQuery, { user: 'alice' });
  // @ts-expect-error a status the type does not have
  await link.broadcast(PresenceChanged, { user: 'alice', status: 'asleep' });
  // @ts-expect-error the payload of requestAll is checked too
  await link.requestAll(PresenceQuery, { user: 42 });
  // @ts-expect-error send checks its payload
  await link.send('node', PresenceChanged, { user: 'alice' });
  void wrongAnswer;

  class WrongHandlers {
    // @ts-expect-error the handler answers a string, not a Presence
    @OnMeshRequest(PresenceQuery)
    answer(query: { user: string }): string {
      return query.user;
    }

    // @ts-expect-error the handler expects a payload the topic does not carry
    @OnMeshRequest(PresenceQuery)
    wrongPayload(query: { id: number }): Presence {
      return { user: String(query.id), status: 'busy' };
    }

    // @ts-expect-error the event handler's payload is a Presence, not a number
    @OnMeshEvent(PresenceChanged)
    changed(count: number): void {
      void count;
    }
  }
  void WrongHandlers;
}

describe('typed topics: declared once, used by senders and handlers', () => {
  const cluster = meshCluster();

  it('carries requests, requestAll, sends and broadcasts of a typed topic to its decorated handlers', async () => {
    const [a, b] = [await cluster.start({}, [TypedPresence]), await cluster.start({}, [TypedPresence])];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
    await b.until('inbound link', () => b.link.isLinked(a.nodeId));

    await expect(a.link.request(b.nodeId, PresenceQuery, { user: 'alice' })).resolves.toEqual({
      user: 'alice',
      status: 'busy',
    });
    await expect(b.link.request(a.nodeId, Count, { of: 'four' })).resolves.toBe(4);
    await expect(a.link.requestAll(PresenceQuery, { user: 'bob' })).resolves.toEqual([
      { nodeId: b.nodeId, ok: true, answer: { user: 'bob', status: 'busy' } },
    ]);
    // The name on the wire is the topic's: a plain-name request reaches the same handler.
    await expect(a.link.request(b.nodeId, 'typed.presence.query', { user: 'carol' })).resolves.toEqual({
      user: 'carol',
      status: 'busy',
    });

    await a.link.send(b.nodeId, PresenceChanged, { user: 'alice', status: 'available' });
    await expect(a.link.broadcast(PresenceChanged, { user: 'dave', status: 'offline' })).resolves.toEqual([
      b.nodeId,
    ]);
    const heard = b.app.get(TypedPresence).heard;
    await b.until('both messages at B', () => heard.length === 2);
    expect(heard).toEqual([
      { user: 'alice', status: 'available', from: a.nodeId },
      { user: 'dave', status: 'offline', from: a.nodeId },
    ]);
  });

  it('refuses an empty topic name at declaration', () => {
    expect(() => defineMeshTopic('')).toThrow(new TypeError('a mesh topic must be a non-empty string'));
  });
});
