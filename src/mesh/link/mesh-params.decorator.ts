import type { ParamData, PipeTransform, Type } from '@nestjs/common';
import { assignMetadata } from '@nestjs/common/decorators/http/route-params.decorator.js';
import type { ParamsFactory } from '@nestjs/core';

/** Where the parameter decorators of mesh handlers keep their metadata (as `@Payload()` does). */
export const MESH_ARGS_METADATA = 'ucmesh:args';

/**
 * What a mesh handler parameter can receive. The numbers are `@nestjs/microservices`' RpcParamtype:
 * pipes see the payload as `type: 'body'` (Nest's name for 3), so a `ValidationPipe` checks it.
 */
export enum MeshParamType {
  Payload = 3,
  Context = 6,
}

function param(type: MeshParamType, data?: string, pipes: Array<Type<PipeTransform> | PipeTransform> = []) {
  return (target: object, key: string | symbol | undefined, index: number): void => {
    if (key === undefined) throw new TypeError('mesh parameter decorators belong on handler methods');
    const args = (Reflect.getMetadata(MESH_ARGS_METADATA, target.constructor, key) ?? {}) as Record<
      string,
      unknown
    >;
    Reflect.defineMetadata(
      MESH_ARGS_METADATA,
      assignMetadata(args, type, index, data, ...pipes),
      target.constructor,
      key,
    );
  };
}

/**
 * The message's payload (or one property of it), through the given pipes — e.g.
 * `@MeshPayload(new ValidationPipe()) query: PresenceQueryDto`.
 */
export function MeshPayload(
  propertyOrPipe?: string | Type<PipeTransform> | PipeTransform,
  ...pipes: Array<Type<PipeTransform> | PipeTransform>
): ParameterDecorator {
  return typeof propertyOrPipe === 'string' || propertyOrPipe === undefined
    ? param(MeshParamType.Payload, propertyOrPipe, pipes)
    : param(MeshParamType.Payload, undefined, [propertyOrPipe, ...pipes]);
}

/** The `MeshMessageContext`: who sent it, on which topic. */
export function MeshContext(): ParameterDecorator {
  return param(MeshParamType.Context);
}

/** Hands a handler's parameters their values from the call's `(payload, context)`. */
export class MeshParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData, args: unknown[]): unknown {
    if (type === (MeshParamType.Context as number)) return args[1];
    const payload = args[0];
    if (typeof data !== 'string' || data === '') return payload;
    return payload !== null && typeof payload === 'object'
      ? (payload as Record<string, unknown>)[data]
      : undefined;
  }
}
