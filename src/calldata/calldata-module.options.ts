import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface CallDataModuleOptions {
  /** Calls unchanged this long are purged, on every node. Default 24 h; 1 s to 365 days. */
  retentionMs?: number;
  /**
   * Every node asks each linked peer this often for changes it lacks: this brings changes of a
   * node it has no link to, and fills any gap. Links coming up ask at once. Default 5000; 100 to 3600000.
   */
  syncIntervalMs?: number;
  /**
   * The wall clock the hybrid clock follows, in milliseconds since the epoch. Default `Date.now`;
   * tests inject a skewed one.
   */
  clock?: () => number;
}

export const {
  ConfigurableModuleClass: ConfigurableCallDataModule,
  MODULE_OPTIONS_TOKEN: CALLDATA_MODULE_OPTIONS,
  OPTIONS_TYPE: CALLDATA_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CALLDATA_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CallDataModuleOptions>().setClassMethodName('forRoot').build();
