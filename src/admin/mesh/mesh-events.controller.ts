import { type MessageEvent, Sse } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { debounceTime, map, merge, Observable, share } from 'rxjs';
import type { MeshEventName, MeshEvents } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { MeshOverviewService } from './mesh-overview.service.js';

/** Registry events and the SSE event type each is sent as. */
const NODE_EVENTS = {
  'mesh.node.added': 'node.added',
  'mesh.node.updated': 'node.updated',
  'mesh.node.removed': 'node.removed',
} as const satisfies Partial<Record<MeshEventName, string>>;

/** Events after which `GET /api/mesh` may answer differently. */
const OVERVIEW_EVENTS: readonly MeshEventName[] = [
  'mesh.settings.changed',
  'mesh.license.changed',
  'mesh.activated',
  'mesh.deactivated',
  'mesh.link.up',
  'mesh.link.down',
];

/**
 * `GET /api/mesh/events`: the node list's changes as Server-Sent Events, each with the `Node`,
 * `mesh.updated` with the new `GET /api/mesh` when settings, license or the number of links change,
 * and `mesh.topology` with the new `GET /api/mesh/topology` when the whole mesh's picture changes.
 */
@AdminApi('mesh/events')
export class MeshEventsController {
  /**
   * One listener per registry event however many clients are connected (EventEmitter2 warns past
   * ten listeners per event); removed when the last client has disconnected.
   */
  private readonly nodeEvents: Observable<MessageEvent>;

  constructor(events: EventEmitter2, overview: MeshOverviewService) {
    const meshUpdates = merge(
      ...OVERVIEW_EVENTS.map((name) => fromEmitter(events, name, 'mesh.updated')),
    ).pipe(
      // A burst (every link closing at once) is one update.
      debounceTime(50),
      map((): MessageEvent => ({ type: 'mesh.updated', data: overview.overview() })),
    );
    // The newest of a burst of topology changes; the service has settled them already.
    const topologyUpdates = fromEmitter(events, 'mesh.topology.changed', 'mesh.topology').pipe(
      debounceTime(100),
    );
    this.nodeEvents = merge(
      ...Object.entries(NODE_EVENTS).map(([name, type]) => fromEmitter(events, name as MeshEventName, type)),
      meshUpdates,
      topologyUpdates,
    ).pipe(share());
  }

  /** Nest unsubscribes when the client goes away. */
  @Sse()
  stream(): Observable<MessageEvent> {
    return this.nodeEvents;
  }
}

function fromEmitter(events: EventEmitter2, name: MeshEventName, type: string): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    const listener = (data: MeshEvents[MeshEventName]): void => subscriber.next({ type, data });
    events.on(name, listener);
    return () => {
      events.off(name, listener);
    };
  });
}
