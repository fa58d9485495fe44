import { Injectable } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
} from '@nestjs/common/constants.js';
import { ExternalContextCreator, ModuleRef, type NestContainer } from '@nestjs/core';
import { ExternalExceptionFilterContext } from '@nestjs/core/exceptions/external-exception-filter-context.js';
import { GuardsConsumer, GuardsContextCreator } from '@nestjs/core/guards/index.js';
import { InterceptorsConsumer, InterceptorsContextCreator } from '@nestjs/core/interceptors/index.js';
import { PipesConsumer, PipesContextCreator } from '@nestjs/core/pipes/index.js';
import { isObservable, lastValueFrom } from 'rxjs';
import type { FoundHandler } from './mesh-message.explorer.js';
import { MESH_ARGS_METADATA, MeshParamsFactory } from './mesh-params.decorator.js';
import type { MeshMessageContext } from './on-mesh-message.decorator.js';

/** A handler as the router calls it. */
export type MeshHandlerCall = (payload: unknown, context: MeshMessageContext) => unknown;

const ENHANCERS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];

/**
 * Runs mesh handlers through Nest's enhancers, as `@MessagePattern` handlers run: guards,
 * interceptors, pipes (on `@MeshPayload()` parameters) and exception filters declared on the
 * handler's class or method, in an `rpc` execution context (`switchToRpc().getData()` is the
 * payload, `getContext()` the `MeshMessageContext`). Like a Nest microservice without
 * `inheritAppConfig`, the application's global enhancers (HTTP guards, say) do not apply.
 * A handler that declares none is called directly: no promise, no cost.
 */
@Injectable()
export class MeshHandlerPipeline {
  private creator?: ExternalContextCreator;
  private readonly params = new MeshParamsFactory();

  constructor(private readonly moduleRef: ModuleRef) {}

  compile(handler: FoundHandler): MeshHandlerCall {
    const { instance, methodName } = handler;
    const method = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName] as (
      ...args: unknown[]
    ) => unknown;
    if (!this.hasEnhancers(instance, methodName, method)) {
      return (payload, context) => method.call(instance, payload, context);
    }
    const run = this.contextCreator().create(
      instance,
      method,
      methodName,
      MESH_ARGS_METADATA,
      this.params,
      undefined,
      undefined,
      { guards: true, interceptors: true, filters: true },
      'rpc',
    );
    return async (payload, context) => {
      const answer: unknown = await run(payload, context);
      // Only an exception filter's result can still be an Observable here (the handler's own is
      // unwrapped by Nest): RPC filters answer with one, e.g. `throwError(() => …)`.
      return isObservable(answer) ? lastValueFrom(answer, { defaultValue: undefined }) : answer;
    };
  }

  private hasEnhancers(instance: object, methodName: string, method: object): boolean {
    const declared = (key: string) =>
      Reflect.getMetadata(key, method) !== undefined ||
      Reflect.getMetadata(key, instance.constructor) !== undefined;
    const params = Reflect.getMetadata(MESH_ARGS_METADATA, instance.constructor, methodName) as
      Record<string, unknown> | undefined;
    return ENHANCERS.some(declared) || (params !== undefined && Object.keys(params).length > 0);
  }

  /** Built without the application's config, so global enhancers stay out (see the class comment). */
  private contextCreator(): ExternalContextCreator {
    if (this.creator) return this.creator;
    // The container behind every ModuleRef; Nest's own microservice layer builds its creators from it.
    const container = (this.moduleRef as unknown as { container: NestContainer }).container;
    this.creator = new ExternalContextCreator(
      new GuardsContextCreator(container),
      new GuardsConsumer(),
      new InterceptorsContextCreator(container),
      new InterceptorsConsumer(),
      container.getModules(),
      new PipesContextCreator(container),
      new PipesConsumer(),
      new ExternalExceptionFilterContext(container),
    );
    return this.creator;
  }
}
