import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';

export const MESH_HANDLERS_METADATA = 'ucmesh:handlers';

/** What a handler receives besides the payload (the second argument, or `@MeshContext()`). */
export interface MeshMessageContext {
  /** The node that sent the message or request. */
  fromNodeId: string;
  topic: string;
}

/** `event`: every handler of the topic runs; `request`: the one handler answers. */
export type MeshHandlerKind = 'event' | 'request';

/** One topic a method handles, as the explorer reads it. */
export interface MeshHandlerMetadata {
  topic: string;
  kinds: readonly MeshHandlerKind[];
}

function handles(topic: string, kinds: readonly MeshHandlerKind[]): MethodDecorator {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new TypeError('a mesh topic must be a non-empty string');
  return (_target, _key, descriptor) => {
    // Stacks: several decorators on one method handle several topics.
    extendArrayMetadata(
      MESH_HANDLERS_METADATA,
      [{ topic, kinds }],
      descriptor.value as unknown as (...args: unknown[]) => unknown,
    );
    return descriptor;
  };
}

/**
 * Marks a provider method as a handler of the messages (`send`, `broadcast`) on `topic`. Every
 * handler of a topic runs, in the order found; what it returns is ignored.
 */
export const OnMeshEvent = (topic: string): MethodDecorator => handles(topic, ['event']);

/**
 * Marks a provider method as THE handler of requests (`request`, `requestAll`) on `topic`; its
 * (awaited) return value is the answer. A second request handler of the same topic stops the
 * application at start, naming both.
 */
export const OnMeshRequest = (topic: string): MethodDecorator => handles(topic, ['request']);

/**
 * Both `@OnMeshEvent(topic)` and `@OnMeshRequest(topic)`: the handler gets the topic's messages
 * and answers its requests. Prefer the two explicit decorators.
 */
export const OnMeshMessage = (topic: string): MethodDecorator => handles(topic, ['event', 'request']);
