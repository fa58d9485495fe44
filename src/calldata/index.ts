// Entry point `uc-mesh/calldata`: replicated call data on top of the mesh.
export { CallDataModule } from './calldata.module.js';
export { CALLDATA_MODULE_OPTIONS, type CallDataModuleOptions } from './calldata-module.options.js';
export { CALLDATA_CONFIG, CALLDATA_DEFAULTS, type CallDataConfig } from './calldata-config.js';
export { callDataEntities, callDataMigrations } from './calldata.schema.js';
export { CallDataService } from './calldata.service.js';
export { CALLDATA_LIMITS, checkCallLinkageId, checkFieldChanges } from './calldata-limits.js';
export { CallDataValidationError } from './calldata-validation.error.js';
export { CallDataValidationFilter } from './calldata-validation.filter.js';
export { CALLDATA_EVENT_NAMES, type CallDataEvents } from './calldata-events.js';
export type {
  CallData,
  CallDataFieldChanges,
  CallDataSetResult,
  CallDataUpdated,
  SupersededField,
} from './calldata.js';
