import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { HookList } from './hook-list.js';
import { HOOK_ORDER } from './mesh-hooks.js';

/** A logger that records its errors instead of printing them. */
class RecordingLogger extends Logger {
  readonly errors: string[] = [];
  override error(message: unknown): void {
    this.errors.push(String(message));
  }
}

describe('HookList', () => {
  it('runs hooks by order, ties in registration order, each awaited before the next', async () => {
    const hooks = new HookList<string>('a test change', new RecordingLogger());
    const calls: string[] = [];
    hooks.add('late', 100, (p) => calls.push(`late:${p}`));
    hooks.add('first', 10, async (p) => {
      await new Promise((done) => setTimeout(done, 5));
      calls.push(`first:${p}`);
    });
    hooks.add('tie-a', 30, (p) => calls.push(`tie-a:${p}`));
    hooks.add('tie-b', 30, (p) => calls.push(`tie-b:${p}`));
    await hooks.run('x');
    expect(calls).toEqual(['first:x', 'tie-a:x', 'tie-b:x', 'late:x']);
  });

  it('logs a failing hook by name and still runs the next ones', async () => {
    const logger = new RecordingLogger();
    const hooks = new HookList<number>('a test change', logger);
    const calls: number[] = [];
    hooks.add('Broken', 10, () => {
      throw new Error('boom');
    });
    hooks.add('Rejecting', 20, () => Promise.reject(new Error('bang')));
    hooks.add('Fine', 30, (p) => calls.push(p));
    await expect(hooks.run(7)).resolves.toBeUndefined();
    expect(calls).toEqual([7]);
    expect(logger.errors).toEqual([
      'Broken failed to handle a test change',
      'Rejecting failed to handle a test change',
    ]);
  });
});

describe('HOOK_ORDER', () => {
  it('orders the topology after the links, the registry and membership, before features', () => {
    const { links, registry, membership, topology, features } = HOOK_ORDER;
    expect([links, registry, membership, topology, features]).toEqual(
      [links, registry, membership, topology, features].sort((a, b) => a - b),
    );
    expect(new Set([links, registry, membership, topology, features]).size).toBe(5);
  });
});
