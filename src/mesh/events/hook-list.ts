import type { Logger } from '@nestjs/common';
import { describeError } from '../../common/describe-error.js';

interface Registered<T> {
  name: string;
  order: number;
  hook: (payload: T) => unknown;
}

/**
 * Reactions another part of the mesh must make to something (a link up, new settings), run one
 * after another in `order` (ties: registration order) and awaited; a failing hook is logged and
 * the next one still runs.
 */
export class HookList<T> {
  private hooks: Registered<T>[] = [];

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
  ) {}

  /** `name` appears in the log when the hook fails. */
  add(name: string, order: number, hook: (payload: T) => unknown): void {
    this.hooks = [...this.hooks, { name, order, hook }].sort((a, b) => a.order - b.order);
  }

  async run(payload: T): Promise<void> {
    for (const { name, hook } of this.hooks) {
      try {
        await hook(payload);
      } catch (error: unknown) {
        this.logger.error(`${name} failed to handle ${this.what}`, describeError(error));
      }
    }
  }
}
