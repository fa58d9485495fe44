import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';
import type { Observable } from 'rxjs';
import { topicName, type MeshTopic } from './mesh-topic.js';

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

/**
 * What a typed topic's decorator accepts: a method whose first parameter takes the topic's payload
 * (the default order; further parameters are free) and that returns its answer, or a promise or
 * Observable of it.
 */
export type MeshTopicHandlerDecorator<P, R> = <M extends (payload: P, ...rest: never[]) => R>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => TypedPropertyDescriptor<M> | void;

type Answer<A> = A | Promise<A> | Observable<A>;

function handles(
  typed: string | MeshTopic<unknown, unknown>,
  kinds: readonly MeshHandlerKind[],
): MethodDecorator {
  const topic = typeof typed === 'object' && typed !== null ? topicName(typed) : typed;
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
 * handler of a topic runs, in the order found; what it returns is ignored. With a typed topic
 * (`defineMeshTopic`) the method's first parameter must take its payload type.
 */
export function OnMeshEvent<P, A>(topic: MeshTopic<P, A>): MeshTopicHandlerDecorator<P, unknown>;
export function OnMeshEvent(topic: string): MethodDecorator;
export function OnMeshEvent(topic: string | MeshTopic<unknown, unknown>): MethodDecorator {
  return handles(topic, ['event']);
}

/**
 * Marks a provider method as THE handler of requests (`request`, `requestAll`) on `topic`; its
 * (awaited) return value is the answer. A second request handler of the same topic stops the
 * application at start, naming both. With a typed topic the method's first parameter must take
 * its payload type and the method must return its answer type (or a promise or Observable of it).
 */
export function OnMeshRequest<P, A>(topic: MeshTopic<P, A>): MeshTopicHandlerDecorator<P, Answer<A>>;
export function OnMeshRequest(topic: string): MethodDecorator;
export function OnMeshRequest(topic: string | MeshTopic<unknown, unknown>): MethodDecorator {
  return handles(topic, ['request']);
}

/**
 * Both `@OnMeshEvent(topic)` and `@OnMeshRequest(topic)`: the handler gets the topic's messages
 * and answers its requests. Prefer the two explicit decorators.
 */
export function OnMeshMessage<P, A>(topic: MeshTopic<P, A>): MeshTopicHandlerDecorator<P, Answer<A>>;
export function OnMeshMessage(topic: string): MethodDecorator;
export function OnMeshMessage(topic: string | MeshTopic<unknown, unknown>): MethodDecorator {
  return handles(topic, ['event', 'request']);
}
