import type { CallDataUpdated } from './calldata.js';

/** Every event `CallDataModule` emits on the application's EventEmitter2, with its payload. */
export interface CallDataEvents {
  /** A call's fields changed here (`set`) or by replication. */
  'calldata.updated': CallDataUpdated;
}

export const CALLDATA_EVENT_NAMES = ['calldata.updated'] as const satisfies ReadonlyArray<
  keyof CallDataEvents
>;
