import { describe, expect, it } from '@jest/globals';
import { keyProblem, mapNameProblem, STATE_LIMITS, vetValue } from './state-limits.js';

const problem = (value: unknown) => {
  const vetted = vetValue(value);
  return 'problem' in vetted ? vetted.problem : undefined;
};

describe('state names', () => {
  it('take 1 to the limit of characters, without control characters or lone surrogates', () => {
    expect(mapNameProblem('presence')).toBeUndefined();
    expect(keyProblem('alice@example.com')).toBeUndefined();
    expect(keyProblem('k'.repeat(STATE_LIMITS.maxKeyLength))).toBeUndefined();
    expect(keyProblem('😀')).toBeUndefined();
    expect(mapNameProblem('')).toBe('map must be a string of 1 to 64 characters');
    expect(mapNameProblem('m'.repeat(65))).toBe('map must be a string of 1 to 64 characters');
    expect(keyProblem('k'.repeat(STATE_LIMITS.maxKeyLength + 1))).toBe(
      'key must be a string of 1 to 256 characters',
    );
    expect(keyProblem(7)).toBe('key must be a string of 1 to 256 characters');
    expect(keyProblem('a\nb')).toBe('key must not contain control characters or lone surrogates');
    expect(mapNameProblem('a\ud800')).toBe('map must not contain control characters or lone surrogates');
  });
});

describe('vetValue', () => {
  it('copies a JSON-like value, frozen, with its packed bytes', () => {
    const original = { status: 'busy', devices: ['desk', 'mobile'], since: 1700000000000, dnd: false };
    const vetted = vetValue(original);
    if (!('stored' in vetted)) throw new Error(vetted.problem);
    expect(vetted.stored.value).toEqual(original);
    expect(vetted.stored.value).not.toBe(original);
    expect(Object.isFrozen(vetted.stored.value)).toBe(true);
    expect(Object.isFrozen((vetted.stored.value as typeof original).devices)).toBe(true);
    original.devices.push('changed later');
    expect((vetted.stored.value as typeof original).devices).toEqual(['desk', 'mobile']);
    expect(vetted.stored.packed.length).toBeGreaterThan(0);
    for (const plain of [null, true, 0, -1.5, '', 'busy', [], {}]) expect(problem(plain)).toBeUndefined();
  });

  it('refuses what is not JSON-like, too deep or too large, naming why', () => {
    expect(problem(undefined)).toBe('value must be JSON-like, not undefined');
    expect(problem(() => 1)).toBe('value must be JSON-like, not function');
    expect(problem(10n)).toBe('value must be JSON-like, not bigint');
    expect(problem({ n: NaN })).toBe('value must hold finite numbers only');
    expect(problem([1, Infinity])).toBe('value must hold finite numbers only');
    expect(problem({ at: new Date() })).toMatch(/plain objects only/);
    expect(problem(Buffer.from('x'))).toMatch(/plain objects only/);
    expect(problem(new Map())).toMatch(/plain objects only/);
    expect(problem({ a: undefined })).toBe('value must be JSON-like, not undefined');
    // eslint-disable-next-line no-sparse-arrays
    expect(problem([1, , 3])).toBe('value must be JSON-like, not undefined');
    expect(problem(JSON.parse('{"__proto__": {"polluted": true}}'))).toBe(
      'value must not have a "__proto__" key',
    );
    let deep: unknown = 'x';
    for (let i = 0; i < STATE_LIMITS.maxValueDepth; i++) deep = [deep];
    expect(problem(deep)).toBeUndefined();
    expect(problem([deep])).toBe('value must nest at most 8 levels');
    expect(problem('x'.repeat(STATE_LIMITS.maxValueBytes))).toMatch(/^value must pack to at most 1024 bytes/);
    expect(problem(new Array(100_000).fill(0))).toBe('value must pack to at most 1024 bytes');
  });
});
