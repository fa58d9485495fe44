import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { MeshEventName, MeshEvents } from './mesh-events.js';

/**
 * The one way the mesh tells the host application what happened: typed names and payloads on the
 * application's EventEmitter2. The mesh's own parts do not listen here; they react through
 * `MeshHooks`, in a defined order.
 */
@Injectable()
export class MeshEventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<K extends MeshEventName>(name: K, payload: MeshEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  /**
   * Whether anyone listens to `name` now (by name, wildcard or `onAny`): a payload that is costly
   * to make is made only then.
   */
  listened(name: MeshEventName): boolean {
    return this.emitter.hasListeners(name).valueOf();
  }
}
