import { type MessageEvent, Sse } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { merge, Observable, share } from 'rxjs';
import type { MeshNodeView } from '../../mesh/registry/mesh-node.js';
import { AdminApi } from '../auth/admin-api.decorator.js';

/** Registry events and the SSE event type each is sent as. */
const NODE_EVENTS = {
  'mesh.node.added': 'node.added',
  'mesh.node.updated': 'node.updated',
  'mesh.node.removed': 'node.removed',
} as const;

/** `GET /api/mesh/events`: the node list's changes as Server-Sent Events, each with the `Node`. */
@AdminApi('mesh/events')
export class MeshEventsController {
  /**
   * One listener per registry event however many clients are connected (EventEmitter2 warns past
   * ten listeners per event); removed when the last client has disconnected.
   */
  private readonly nodeEvents: Observable<MessageEvent>;

  constructor(events: EventEmitter2) {
    this.nodeEvents = merge(
      ...Object.entries(NODE_EVENTS).map(([name, type]) => fromEmitter(events, name, type)),
    ).pipe(share());
  }

  /** Nest unsubscribes when the client goes away. */
  @Sse()
  stream(): Observable<MessageEvent> {
    return this.nodeEvents;
  }
}

function fromEmitter(events: EventEmitter2, name: string, type: string): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    const listener = (node: MeshNodeView): void => subscriber.next({ type, data: node });
    events.on(name, listener);
    return () => {
      events.off(name, listener);
    };
  });
}
