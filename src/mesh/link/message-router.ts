import { HttpException, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { describeError, errorMessage } from '../../common/describe-error.js';
import { MeshHandlerPipeline, type MeshHandlerCall } from './mesh-handler-pipeline.js';
import { MeshMessageExplorer } from './mesh-message.explorer.js';
import { RequestRefusal } from './link.js';

/**
 * Hands what links receive to the application's handlers: a message to every `@OnMeshEvent`
 * handler of its topic, a request to its one `@OnMeshRequest` handler.
 */
@Injectable()
export class MessageRouter implements OnModuleInit {
  private readonly logger = new Logger('MeshMessages');
  private events = new Map<string, MeshHandlerCall[]>();
  private requests = new Map<string, MeshHandlerCall>();

  constructor(
    private readonly explorer: MeshMessageExplorer,
    private readonly pipeline: MeshHandlerPipeline,
  ) {}

  onModuleInit(): void {
    for (const found of this.explorer.explore()) {
      const call = this.pipeline.compile(found);
      if (found.kind === 'request') this.requests.set(found.topic, call);
      else this.events.set(found.topic, [...(this.events.get(found.topic) ?? []), call]);
    }
  }

  /** Calls every handler of the topic; returns what the asynchronous ones still do, if anything. */
  deliver(fromNodeId: string, topic: string, payload: unknown): Promise<unknown> | undefined {
    const handlers = this.events.get(topic);
    if (!handlers) return undefined;
    const context = { fromNodeId, topic };
    let inProgress: Promise<unknown> | undefined;
    for (const handler of handlers) {
      try {
        const result = handler(payload, context);
        if (!(result instanceof Promise)) continue;
        const settled = result.catch((error: unknown) => this.failed(topic, error));
        inProgress = inProgress ? Promise.all([inProgress, settled]) : settled;
      } catch (error: unknown) {
        this.failed(topic, error);
      }
    }
    return inProgress;
  }

  /**
   * The handler's answer as it returns it: a value, or a promise from an asynchronous handler.
   * @throws RequestRefusal (`no-handler`, or `handler-failed` with the handler's error message)
   */
  answer(fromNodeId: string, topic: string, payload: unknown): unknown {
    const handler = this.requests.get(topic);
    if (!handler) throw new RequestRefusal('no-handler', `no handler for "${topic}"`);
    let answer: unknown;
    try {
      answer = handler(payload, { fromNodeId, topic });
    } catch (error: unknown) {
      throw this.failed(topic, error);
    }
    // An Observable answers with its last value, as Nest's RPC handlers do.
    if (isObservable(answer)) answer = lastValueFrom(answer);
    if (typeof (answer as PromiseLike<unknown> | null)?.then !== 'function') return answer;
    return Promise.resolve(answer).catch((error: unknown) => {
      throw this.failed(topic, error);
    });
  }

  /** Logs a handler's failure and says what the asking node is told. */
  private failed(topic: string, error: unknown): RequestRefusal {
    // A pipe or guard refusing the payload is the sender's fault, not this node's.
    if (error instanceof HttpException && error.getStatus() < 500) {
      const message = httpMessage(error);
      this.logger.warn(`"${topic}" refused: ${message}`);
      return new RequestRefusal('handler-failed', message);
    }
    this.logger.error(`handler of "${topic}" failed`, describeError(error));
    return new RequestRefusal('handler-failed', errorMessage(error));
  }
}

/** The text of an HttpException's answer, e.g. a ValidationPipe's list of problems. */
function httpMessage(error: HttpException): string {
  const response = error.getResponse();
  const message = typeof response === 'object' ? (response as { message?: unknown }).message : response;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : error.message;
}
