import { describe, expect, it } from '@jest/globals';
import { ModuleOptionsError } from '../common/module-options.js';
import { CALLDATA_DEFAULTS, resolveCallDataConfig } from './calldata-config.js';

/** The one-line message `resolveCallDataConfig` stops the application with. */
function problem(options: unknown): string {
  try {
    resolveCallDataConfig(options);
  } catch (error: unknown) {
    if (!(error instanceof ModuleOptionsError)) throw error;
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('resolveCallDataConfig', () => {
  it('fills in the defaults, for no options too', () => {
    expect(resolveCallDataConfig({})).toEqual({ ...CALLDATA_DEFAULTS, clock: Date.now });
    expect(resolveCallDataConfig(undefined)).toEqual({ ...CALLDATA_DEFAULTS, clock: Date.now });
  });

  it('keeps what the host gave', () => {
    const clock = () => 1_700_000_000_000;
    expect(resolveCallDataConfig({ retentionMs: 60_000, syncIntervalMs: 250, clock })).toEqual({
      retentionMs: 60_000,
      syncIntervalMs: 250,
      clock,
    });
  });

  it('names a typo, a value out of range and a clock that is not a function', () => {
    expect(problem({ retention: 1000 })).toBe(
      'CallDataModule options: "retention" is not an option (allowed: retentionMs, syncIntervalMs, clock)',
    );
    expect(problem({ syncIntervalMs: 10 })).toBe(
      'CallDataModule options: syncIntervalMs must be an integer from 100 to 3600000 (got 10)',
    );
    expect(problem({ retentionMs: '1d' })).toBe(
      'CallDataModule options: retentionMs must be an integer from 1000 to 31536000000 (got "1d")',
    );
    expect(problem({ clock: 5 })).toMatch(
      /^CallDataModule options: clock must be a function returning milliseconds since the epoch/,
    );
  });
});
