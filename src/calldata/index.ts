// Entry point `uc-mesh/calldata`: replicated call data on top of the mesh.
export { CallDataModule } from './calldata.module.js';
export { CALLDATA_MODULE_OPTIONS, type CallDataModuleOptions } from './calldata-module.options.js';
export { callDataEntities, callDataMigrations } from './calldata.schema.js';
export { CallDataService } from './calldata.service.js';
export { CALLDATA_LIMITS } from './calldata-limits.js';
export { CallDataValidationError } from './calldata-validation.error.js';
export type { CallData, CallDataFieldChanges, CallDataUpdated } from './calldata.js';
