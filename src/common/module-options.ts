import { z } from 'zod';
import { errorMessage } from './describe-error.js';

/** Options a host gave a module's `forRoot`/`forRootAsync` that it cannot run with. */
export class ModuleOptionsError extends Error {
  constructor(
    readonly moduleName: string,
    readonly option: string,
    problem: string,
  ) {
    // `option` is empty when the options as a whole are wrong (not an object).
    super(option ? `${moduleName} options: ${option} ${problem}` : `${moduleName} options ${problem}`);
    this.name = 'ModuleOptionsError';
  }
}

/**
 * Validates options when the module starts, whatever a `forRootAsync` factory returned: an unknown
 * key (a typo such as `discovry`) or a wrong type stops the application with one line naming the
 * option and what it allows, instead of being ignored.
 */
export function validateModuleOptions<S extends z.ZodType>(
  moduleName: string,
  schema: S,
  options: unknown,
): z.output<S> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ModuleOptionsError(moduleName, '', 'are invalid');
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = path ? `${path}.` : '';
    const allowed = allowedKeys(schema, issue.path);
    const notOptions = issue.keys.length > 1 ? 'are not options' : 'is not an option';
    return fail(
      moduleName,
      `"${where}${issue.keys.join(`", "${where}`)}"`,
      `${notOptions}${allowed ? ` (allowed: ${allowed})` : ''}`,
    );
  }
  if (!path) return fail(moduleName, '', `must be an object (got ${shown(options)})`);
  return fail(moduleName, path, `${issue.message} (got ${shown(valueAt(options, issue.path))})`);
}

function fail(moduleName: string, option: string, problem: string): never {
  throw new ModuleOptionsError(moduleName, option, problem);
}

function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let node: unknown = schema;
  for (const key of path) node = typeof key === 'number' ? elementOf(node) : shapeOf(node)?.[String(key)];
  const shape = shapeOf(node);
  return shape ? Object.keys(shape).join(', ') : undefined;
}

function shapeOf(node: unknown): Record<string, unknown> | undefined {
  // Optional wrappers hold the object schema one level down.
  const n = node as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  if (n?.shape) return n.shape;
  return typeof n?.unwrap === 'function' ? shapeOf(n.unwrap()) : undefined;
}

function elementOf(node: unknown): unknown {
  const n = node as { element?: unknown; unwrap?: () => unknown } | undefined;
  if (n?.element) return n.element;
  return typeof n?.unwrap === 'function' ? elementOf(n.unwrap()) : undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    value,
  );
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON says null
  try {
    return JSON.stringify(value).slice(0, 60);
  } catch (error: unknown) {
    return errorMessage(error);
  }
}

/** An integer option within [min, max]; the message names the range. */
export function integerOption(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ message }).int(message).min(min, message).max(max, message);
}

/** A finite number option within [min, max], fractions allowed. */
export function numberOption(min: number, max: number) {
  const message = `must be a number from ${min} to ${max}`;
  return z.number({ message }).min(min, message).max(max, message);
}

/** A function option (an injected clock), `what` saying what it must return. */
export function functionOption<F extends (...args: never[]) => unknown>(what: string) {
  return z.custom<F>((v) => typeof v === 'function', { message: `must be a function returning ${what}` });
}
