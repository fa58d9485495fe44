import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  Logger,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  ValidationPipe,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { map, type Observable, throwError } from 'rxjs';
import { MeshRemoteError } from '../../src/mesh/link/link.errors.js';
import { DuplicateMeshRequestHandlerError } from '../../src/mesh/link/mesh-message.explorer.js';
import { MeshContext, MeshPayload } from '../../src/mesh/link/mesh-params.decorator.js';
import {
  OnMeshEvent,
  OnMeshMessage,
  OnMeshRequest,
  type MeshMessageContext,
} from '../../src/mesh/link/on-mesh-message.decorator.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

class PresenceQueryDto {
  @IsString()
  @IsNotEmpty()
  user!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  limit!: number;

  /** Only an instance of the class has it: proves the pipe's output reached the handler. */
  summary(): string {
    return `${this.user} (${this.limit})`;
  }
}

/** A request handler with a validated DTO, as a host writes one. */
@Injectable()
class PresenceQueries {
  @OnMeshRequest('presence.query')
  query(
    @MeshPayload(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
    query: PresenceQueryDto,
  ): unknown {
    return {
      dto: query instanceof PresenceQueryDto,
      user: query.user,
      limit: query.limit,
      summary: query.summary(),
    };
  }

  /** Shows the link is still fine after a refused payload. */
  @OnMeshRequest('presence.ping')
  ping(): string {
    return 'pong';
  }
}

/** Node IDs the roster refuses; the guard reads it. */
@Injectable()
class RefusedNodes {
  readonly ids = new Set<string>();
}

@Injectable()
class RefuseListedNodes implements CanActivate {
  constructor(private readonly refused: RefusedNodes) {}

  canActivate(context: ExecutionContext): boolean {
    const rpc = context.switchToRpc();
    return (
      context.getType() === 'rpc' && !this.refused.ids.has(rpc.getContext<MeshMessageContext>().fromNodeId)
    );
  }
}

@Injectable()
class WrapAnswer implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { topic } = context.switchToRpc().getContext<MeshMessageContext>();
    return next.handle().pipe(map((answer: unknown) => ({ wrapped: answer, topic })));
  }
}

/** Answers in the handler's place, with a value. */
@Catch()
class AnswerWithFallback implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): unknown {
    const rpc = host.switchToRpc();
    return {
      fallback: true,
      problem: exception instanceof Error ? exception.message : String(exception),
      asked: rpc.getData<unknown>(),
      from: rpc.getContext<MeshMessageContext>().fromNodeId,
    };
  }
}

/** Nest's documented RPC filter shape: returns an Observable that errors. */
@Catch()
class ExplainFailure implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    const message = exception instanceof Error ? exception.message : String(exception);
    return throwError(() => new Error(`the roster is unavailable (${message})`));
  }
}

/** Guard on the class: it applies to every handler of the provider. */
@Injectable()
@UseGuards(RefuseListedNodes)
class RosterHandlers {
  @OnMeshRequest('roster.size')
  size(): number {
    return 42;
  }

  @OnMeshRequest('roster.wrapped')
  @UseInterceptors(WrapAnswer)
  wrapped(payload: { user: string }): unknown {
    return { user: payload.user, present: true };
  }

  @OnMeshRequest('roster.fallback')
  @UseFilters(AnswerWithFallback)
  fallback(): never {
    throw new Error('the roster store is down');
  }

  @OnMeshRequest('roster.explained')
  @UseFilters(ExplainFailure)
  explained(): never {
    throw new Error('the roster store is down');
  }
}

/** What the event handlers saw, across providers. */
@Injectable()
class Received {
  readonly calls: Array<{ by: string; payload: unknown; from: string }> = [];
}

@Injectable()
class PresenceCache {
  constructor(private readonly received: Received) {}

  @OnMeshEvent('presence.changed')
  changed(payload: unknown, context: MeshMessageContext): void {
    this.received.calls.push({ by: 'PresenceCache', payload, from: context.fromNodeId });
  }
}

@Injectable()
class PresenceAudit {
  constructor(private readonly received: Received) {}

  @OnMeshEvent('presence.changed')
  async changed(
    @MeshPayload('user') user: string,
    @MeshContext() context: MeshMessageContext,
  ): Promise<void> {
    await Promise.resolve();
    this.received.calls.push({ by: 'PresenceAudit', payload: user, from: context.fromNodeId });
  }
}

@Injectable()
class DirectoryHandlers {
  /** Two topics, one method. */
  @OnMeshRequest('directory.lookup')
  @OnMeshRequest('directory.find')
  lookup(@MeshPayload('name') name: string, @MeshContext() context: MeshMessageContext): unknown {
    return { name, topic: context.topic, from: context.fromNodeId };
  }

  /** No enhancers, no parameter decorators: called directly with (payload, context). */
  @OnMeshRequest('directory.echo')
  echo(...args: unknown[]): unknown {
    return { args };
  }

  /** Both a message and a request handler. */
  @OnMeshMessage('directory.touch')
  touch(payload: { n: number }, context: MeshMessageContext): unknown {
    return { touched: payload.n, topic: context.topic };
  }
}

/** A host's global guard, meant for its HTTP routes: refuses everything. */
@Injectable()
class RefuseEverything implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class FirstAnswerer {
  @OnMeshRequest('status.get')
  answer(): string {
    return 'first';
  }
}

@Injectable()
class SecondAnswerer {
  @OnMeshMessage('status.get')
  reply(): string {
    return 'second';
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestHandlers {
  @OnMeshRequest('scoped.ask')
  ask(): string {
    return 'called';
  }
}

/** Refusals the requester sees, as `code: message`. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MeshRemoteError))
    throw new Error(`expected a MeshRemoteError, got ${String(error)}`);
  return `${error.code}: ${error.message.replace(/^node \S+ answered "[^"]+" with [a-z-]+: /, '')}`;
}

describe('mesh handlers run through Nest enhancers', () => {
  const cluster = meshCluster();

  afterEach(() => {
    jest.restoreAllMocks();
  });

  async function linked(...nodes: MeshNode[]): Promise<void> {
    const [first, ...rest] = nodes;
    if (!first) return;
    for (const other of rest) {
      first.link.connect(other.target);
      await first.untilStatus(other.target, 'connected');
      await other.until('inbound link', () => other.link.isLinked(first.nodeId));
    }
  }

  it('a ValidationPipe on @MeshPayload transforms a valid payload and refuses an invalid one, naming the problems', async () => {
    const [a, b] = [await cluster.start(), await cluster.start({}, [PresenceQueries])];
    await linked(a, b);

    await expect(a.link.request(b.nodeId, 'presence.query', { user: 'alice', limit: '3' })).resolves.toEqual({
      dto: true,
      user: 'alice',
      limit: 3,
      summary: 'alice (3)',
    });

    const refused = await refusal(
      a.link.request(b.nodeId, 'presence.query', { user: '', limit: 99, admin: true }),
    );
    expect(refused).toMatch(/^handler-failed: /);
    expect(refused).toContain('property admin should not exist');
    expect(refused).toContain('user should not be empty');
    expect(refused).toContain('limit must not be greater than 10');
    expect(await refusal(a.link.request(b.nodeId, 'presence.query', 'not an object'))).toMatch(
      /^handler-failed: .*user must be a string/,
    );

    // A refused payload is the sender's problem: the link and the other handlers carry on.
    expect(a.link.isLinked(b.nodeId)).toBe(true);
    await expect(a.link.request(b.nodeId, 'presence.ping', {})).resolves.toBe('pong');
    await expect(
      a.link.request(b.nodeId, 'presence.query', { user: 'bob', limit: 10 }),
    ).resolves.toMatchObject({
      user: 'bob',
      limit: 10,
    });
  });

  it('guards, interceptors and exception filters declared on handlers apply in an rpc context', async () => {
    const b = await cluster.start({}, [RosterHandlers, RefusedNodes]);
    const [a, c] = [await cluster.start(), await cluster.start()];
    await linked(b, a, c);
    b.app.get(RefusedNodes).ids.add(a.nodeId);

    // The guard reads the sender from the rpc context and refuses A only.
    expect(await refusal(a.link.request(b.nodeId, 'roster.size', {}))).toBe(
      'handler-failed: Forbidden resource',
    );
    await expect(c.link.request(b.nodeId, 'roster.size', {})).resolves.toBe(42);
    expect(await refusal(a.link.request(b.nodeId, 'roster.wrapped', { user: 'alice' }))).toBe(
      'handler-failed: Forbidden resource',
    );

    // The interceptor wraps the handler's answer.
    await expect(c.link.request(b.nodeId, 'roster.wrapped', { user: 'alice' })).resolves.toEqual({
      wrapped: { user: 'alice', present: true },
      topic: 'roster.wrapped',
    });

    // A filter that returns a value answers in the handler's place.
    await expect(c.link.request(b.nodeId, 'roster.fallback', { shift: 'night' })).resolves.toEqual({
      fallback: true,
      problem: 'the roster store is down',
      asked: { shift: 'night' },
      from: c.nodeId,
    });
    // One that returns an erroring Observable (as Nest documents RPC filters) turns the failure into its own.
    expect(await refusal(c.link.request(b.nodeId, 'roster.explained', {}))).toBe(
      'handler-failed: the roster is unavailable (the roster store is down)',
    );

    // Refused and failed calls did not cost anyone the link.
    b.app.get(RefusedNodes).ids.delete(a.nodeId);
    await expect(a.link.request(b.nodeId, 'roster.size', {})).resolves.toBe(42);
    expect(b.link.linkedNodes()).toHaveLength(2);
  });

  it('@MeshContext, stacked decorators, plain handlers, and every event handler of a topic', async () => {
    const [a, b] = [
      await cluster.start(),
      await cluster.start({}, [DirectoryHandlers, PresenceCache, PresenceAudit, Received]),
    ];
    await linked(a, b);

    for (const topic of ['directory.lookup', 'directory.find']) {
      await expect(a.link.request(b.nodeId, topic, { name: 'carol', extra: 1 })).resolves.toEqual({
        name: 'carol',
        topic,
        from: a.nodeId,
      });
    }
    await expect(a.link.request(b.nodeId, 'directory.echo', { x: 1 })).resolves.toEqual({
      args: [{ x: 1 }, { fromNodeId: a.nodeId, topic: 'directory.echo' }],
    });
    await expect(a.link.request(b.nodeId, 'directory.touch', { n: 7 })).resolves.toEqual({
      touched: 7,
      topic: 'directory.touch',
    });

    // An event topic has no request handler.
    expect(await refusal(a.link.request(b.nodeId, 'presence.changed', {}))).toBe(
      'no-handler: no handler for "presence.changed"',
    );

    // Every event handler of the topic runs, in each provider.
    await a.link.send(b.nodeId, 'presence.changed', { user: 'dave', state: 'busy' });
    const calls = b.app.get(Received).calls;
    await b.until('both event handlers', () => calls.length === 2);
    expect([...calls].sort((x, y) => x.by.localeCompare(y.by))).toEqual([
      { by: 'PresenceAudit', payload: 'dave', from: a.nodeId },
      { by: 'PresenceCache', payload: { user: 'dave', state: 'busy' }, from: a.nodeId },
    ]);
  });

  it("the application's global guard does not apply to mesh handlers", async () => {
    const [a, b] = [
      await cluster.start(),
      await cluster.start({}, [
        { provide: APP_GUARD, useClass: RefuseEverything },
        PresenceQueries,
        DirectoryHandlers,
      ]),
    ];
    await linked(a, b);
    await expect(
      a.link.request(b.nodeId, 'presence.query', { user: 'erin', limit: 1 }),
    ).resolves.toMatchObject({
      dto: true,
      user: 'erin',
    });
    await expect(a.link.request(b.nodeId, 'directory.lookup', { name: 'erin' })).resolves.toMatchObject({
      name: 'erin',
    });
    await expect(a.link.request(b.nodeId, 'presence.ping', {})).resolves.toBe('pong');
  });

  it('two request handlers of one topic stop the application at start, naming both', async () => {
    const start = cluster.start({}, [FirstAnswerer, SecondAnswerer]);
    await expect(start).rejects.toThrow(DuplicateMeshRequestHandlerError);
    await expect(start).rejects.toThrow(
      'two handlers answer mesh requests on "status.get": FirstAnswerer.answer and SecondAnswerer.reply; a request topic has one handler',
    );
  });

  it("a request-scoped provider's handler is reported at start and never called", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const [a, b] = [await cluster.start(), await cluster.start({}, [PerRequestHandlers])];
    expect(warn.mock.calls.map(([message]) => String(message))).toContain(
      'PerRequestHandlers.ask is not called for mesh messages: its provider is request-scoped',
    );
    await linked(a, b);
    expect(await refusal(a.link.request(b.nodeId, 'scoped.ask', {}))).toBe(
      'no-handler: no handler for "scoped.ask"',
    );
  });
});
