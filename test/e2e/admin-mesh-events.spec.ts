import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { MeshEventsController } from '../../src/admin/mesh/mesh-events.controller.js';
import { MeshOverviewService } from '../../src/admin/mesh/mesh-overview.service.js';
import { startAdminTestApp } from '../helpers/admin-test-app.js';

const EVENTS = [
  'mesh.node.added',
  'mesh.node.updated',
  'mesh.node.removed',
  'mesh.settings.changed',
  'mesh.license.changed',
  'mesh.activated',
  'mesh.deactivated',
  'mesh.link.up',
  'mesh.link.down',
];
const NONE = EVENTS.map(() => 0);
const ONE_EACH = EVENTS.map(() => 1);
/** What `GET /api/mesh` would answer; the mesh itself is not part of this test. */
let overview = { links: 0 };
const LIMIT_MS = 10_000;

/** The SSE route in-process, where the emitter's listeners can be counted. */
describe('GET /api/mesh/events', () => {
  const token = 'events-admin-token-123';
  let app: INestApplication;
  let events: EventEmitter2;
  let url: string;

  beforeAll(async () => {
    app = await startAdminTestApp({
      token,
      controllers: [MeshEventsController],
      imports: [EventEmitterModule.forRoot()],
      providers: [{ provide: MeshOverviewService, useValue: { overview: () => overview } }],
    });
    events = app.get(EventEmitter2);
    url = `${await app.getUrl()}/api/mesh/events`;
  });
  afterAll(async () => {
    await app.close();
  });

  const listeners = () => EVENTS.map((name) => events.listenerCount(name));

  /** Opens the stream; `next()` resolves with the text of the next complete event. */
  async function open(): Promise<{ next: () => Promise<string>; close: () => void }> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(LIMIT_MS)]),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    return {
      next: async () => {
        // The stream opens with an empty line; events are separated by one.
        while (!(buffer = buffer.replace(/^\n+/, '')).includes('\n\n')) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += value;
        }
        const end = buffer.indexOf('\n\n');
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return event;
      },
      close: () => abort.abort(),
    };
  }

  async function untilNoListeners(): Promise<void> {
    const deadline = Date.now() + LIMIT_MS;
    while (listeners().some((count) => count > 0)) {
      if (Date.now() > deadline) throw new Error(`listeners left: ${listeners().join(', ')}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  it('refuses a request without the token', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(401);
    expect(listeners()).toEqual(NONE);
  });

  it('sends each node event to every client, with one listener per event however many clients', async () => {
    const clients = await Promise.all([open(), open(), open()]);
    expect(listeners()).toEqual(ONE_EACH);

    const node = { id: 'a1b2', host: 'uc2', port: 7222, group: 'fixed', connect: true };
    events.emit('mesh.node.added', node);
    events.emit('mesh.node.updated', { ...node, connect: false });
    events.emit('mesh.node.removed', node);
    for (const client of clients) {
      const added = await client.next();
      expect(added).toMatch(/^event: node\.added\n/);
      expect(JSON.parse(/^data: (.*)$/m.exec(added)?.[1] ?? '')).toEqual(node);
      expect(await client.next()).toMatch(/^event: node\.updated\n.*"connect":false/s);
      expect(await client.next()).toMatch(/^event: node\.removed\n/);
    }

    clients[0]?.close();
    clients[1]?.close();
    const last = clients[2];
    events.emit('mesh.node.removed', node);
    expect(await last?.next()).toMatch(/^event: node\.removed\n/);
    expect(listeners()).toEqual(ONE_EACH);
    last?.close();
    await untilNoListeners();
  });

  it('sends mesh.updated with the new overview once after a burst of mesh events', async () => {
    const client = await open();
    overview = { links: 2 };
    events.emit('mesh.link.up', { nodeId: 'b' });
    events.emit('mesh.link.up', { nodeId: 'c' });
    events.emit('mesh.activated', {});
    const update = await client.next();
    expect(update).toMatch(/^event: mesh\.updated\n/);
    expect(JSON.parse(/^data: (.*)$/m.exec(update)?.[1] ?? '')).toEqual({ links: 2 });
    events.emit('mesh.node.removed', { id: 'x' });
    // The next event is the node's: the burst made one update, not three.
    expect(await client.next()).toMatch(/^event: node\.removed\n/);
    client.close();
    await untilNoListeners();
  });

  it('removes its listeners when clients come and go, again and again', async () => {
    for (let round = 0; round < 20; round++) {
      const client = await open();
      client.close();
    }
    await untilNoListeners();
  });
});
