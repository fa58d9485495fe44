import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  MESH_HANDLERS_METADATA,
  type MeshHandlerKind,
  type MeshHandlerMetadata,
} from './on-mesh-message.decorator.js';

/** A decorated method found on a provider. */
export interface FoundHandler {
  topic: string;
  kind: MeshHandlerKind;
  instance: object;
  methodName: string;
  /** `Class.method`, for logs and errors. */
  name: string;
}

/** Two request handlers for one topic: which one answers would depend on discovery order. */
export class DuplicateMeshRequestHandlerError extends Error {
  constructor(topic: string, first: string, second: string) {
    super(
      `two handlers answer mesh requests on "${topic}": ${first} and ${second}; a request topic has one handler`,
    );
    this.name = 'DuplicateMeshRequestHandlerError';
  }
}

/** Finds every `@OnMeshEvent`, `@OnMeshRequest` and `@OnMeshMessage` method on the application's providers. */
@Injectable()
export class MeshMessageExplorer {
  private readonly logger = new Logger('MeshMessages');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** @throws DuplicateMeshRequestHandlerError */
  explore(): FoundHandler[] {
    const found: FoundHandler[] = [];
    const answering = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const metadata = Reflect.getMetadata(MESH_HANDLERS_METADATA, method) as
          MeshHandlerMetadata[] | undefined;
        if (!metadata) continue;
        const name = `${instance.constructor.name}.${methodName}`;
        if (!wrapper.isDependencyTreeStatic()) {
          // No single instance to call: mesh messages do not belong to an HTTP request.
          this.logger.warn(`${name} is not called for mesh messages: its provider is request-scoped`);
          continue;
        }
        for (const { topic, kinds } of metadata) {
          for (const kind of kinds) {
            if (kind === 'request') {
              const first = answering.get(topic);
              if (first) throw new DuplicateMeshRequestHandlerError(topic, first, name);
              answering.set(topic, name);
            }
            found.push({ topic, kind, instance, methodName, name });
            this.logger.log(`${name} handles mesh ${kind}s on "${topic}"`);
          }
        }
      }
    }
    return found;
  }
}
