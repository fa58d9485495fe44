import { z } from 'zod';
import { functionOption, integerOption, validateModuleOptions } from '../common/module-options.js';
import type { CallDataModuleOptions } from './calldata-module.options.js';

const DAY_MS = 86_400_000;

/** Every default of CallData (the standalone node's environment schema takes them too). */
export const CALLDATA_DEFAULTS = { retentionMs: DAY_MS, syncIntervalMs: 5000 } as const;

/** The options with every default applied: what CallData's services read. */
export type CallDataConfig = Required<CallDataModuleOptions>;

/** The resolved configuration's injection token (a provider of `CallDataModule`). */
export const CALLDATA_CONFIG = Symbol('CALLDATA_CONFIG');

const optionsSchema = z.strictObject({
  retentionMs: integerOption(1000, 365 * DAY_MS).optional(),
  syncIntervalMs: integerOption(100, 3_600_000).optional(),
  clock: functionOption<() => number>('milliseconds since the epoch').optional(),
});

/**
 * Checks the options a host gave `CallDataModule.forRoot` (or its `forRootAsync` factory
 * returned) and fills in the defaults.
 * @throws ModuleOptionsError naming the option and what it allows.
 */
export function resolveCallDataConfig(options: unknown): CallDataConfig {
  const o = validateModuleOptions('CallDataModule', optionsSchema, options ?? {});
  return {
    retentionMs: o.retentionMs ?? CALLDATA_DEFAULTS.retentionMs,
    syncIntervalMs: o.syncIntervalMs ?? CALLDATA_DEFAULTS.syncIntervalMs,
    clock: o.clock ?? Date.now,
  };
}
