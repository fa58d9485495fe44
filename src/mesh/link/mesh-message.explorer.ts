import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { MESH_MESSAGE_HANDLER, type MeshMessageContext } from './on-mesh-message.decorator.js';

export type MeshMessageHandler = (payload: unknown, context: MeshMessageContext) => unknown;

/** Finds every `@OnMeshMessage` method on the application's providers. */
@Injectable()
export class MeshMessageExplorer {
  private readonly logger = new Logger('MeshMessages');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** Handlers by topic, in the order found; a request is answered by the first. */
  explore(): Map<string, MeshMessageHandler[]> {
    const handlers = new Map<string, MeshMessageHandler[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      // Request-scoped and not-yet-resolved providers have no instance to call.
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        const topic = this.reflector.get<string | undefined>(MESH_MESSAGE_HANDLER, method as () => unknown);
        if (topic === undefined) continue;
        const bound = (method as MeshMessageHandler).bind(instance);
        handlers.set(topic, [...(handlers.get(topic) ?? []), bound]);
        this.logger.log(`${instance.constructor.name}.${name} handles "${topic}"`);
      }
    }
    return handlers;
  }
}
