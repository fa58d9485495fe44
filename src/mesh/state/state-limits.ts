import { encodeBody } from '../wire/body-codec.js';

/**
 * The bounds of node-owned replicated state, the same on every node (a peer's items beyond them
 * are dropped, so an owner may not write more than its peers accept). Sized for the presence of a
 * few thousand users per node: at most about 13 MB of one node's entries.
 */
export const STATE_LIMITS = {
  /** Characters of a map's name. */
  maxMapLength: 64,
  /** Characters of a key. */
  maxKeyLength: 256,
  /** MessagePack bytes of one value. */
  maxValueBytes: 1024,
  /** Nesting of arrays and objects in one value. */
  maxValueDepth: 8,
  /** Entries one node owns, over all its maps. */
  maxEntriesPerNode: 10_000,
} as const;

/** A value as the state keeps it: a frozen plain copy, and its bytes for comparisons. */
export interface StoredValue {
  readonly value: unknown;
  readonly packed: Buffer;
}

// Control characters and lone surrogates: names are shown in logs and compared as text.
const UNFIT = /[\p{Cc}\p{Cs}]/u;

/** Why a map name is refused, or undefined when it is fine. */
export function mapNameProblem(map: unknown): string | undefined {
  return nameProblem('map', map, STATE_LIMITS.maxMapLength);
}

/** Why a key is refused, or undefined when it is fine. */
export function keyProblem(key: unknown): string | undefined {
  return nameProblem('key', key, STATE_LIMITS.maxKeyLength);
}

function nameProblem(what: string, name: unknown, max: number): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > max)
    return `${what} must be a string of 1 to ${max} characters`;
  if (UNFIT.test(name)) return `${what} must not contain control characters or lone surrogates`;
  return undefined;
}

/**
 * Checks a value (JSON-like: null, booleans, finite numbers, strings, arrays, plain objects, at
 * most `maxValueDepth` deep and `maxValueBytes` packed) and copies it, frozen: what a node stores
 * is never shared with the caller or the decoder.
 */
export function vetValue(value: unknown): { stored: StoredValue } | { problem: string } {
  // Every node of the value packs to at least one byte: counting them bounds the work.
  const budget = { nodes: STATE_LIMITS.maxValueBytes };
  let copy: unknown;
  try {
    copy = plainCopy(value, 0, budget);
  } catch (error: unknown) {
    if (error instanceof ValueProblem) return { problem: error.message };
    throw error;
  }
  const packed = encodeBody(copy);
  if (packed.length > STATE_LIMITS.maxValueBytes)
    return { problem: `value must pack to at most ${STATE_LIMITS.maxValueBytes} bytes (${packed.length})` };
  return { stored: { value: copy, packed } };
}

class ValueProblem extends Error {}

function plainCopy(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (--budget.nodes < 0)
    throw new ValueProblem(`value must pack to at most ${STATE_LIMITS.maxValueBytes} bytes`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValueProblem('value must hold finite numbers only');
    return value;
  }
  if (typeof value !== 'object') throw new ValueProblem(`value must be JSON-like, not ${typeof value}`);
  if (depth >= STATE_LIMITS.maxValueDepth)
    throw new ValueProblem(`value must nest at most ${STATE_LIMITS.maxValueDepth} levels`);
  // Array.from visits holes too (as undefined, refused): a sparse array is not JSON-like.
  if (Array.isArray(value))
    return Object.freeze(Array.from(value as unknown[], (item) => plainCopy(item, depth + 1, budget)));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null)
    throw new ValueProblem('value must hold plain objects only (no Date, Buffer, Map or class instance)');
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Assigned, `__proto__` would set the copy's prototype instead of a property.
    if (key === '__proto__') throw new ValueProblem('value must not have a "__proto__" key');
    copy[key] = plainCopy(item, depth + 1, budget);
  }
  return Object.freeze(copy);
}
