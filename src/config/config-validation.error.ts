/** One problem per offending variable, e.g. `MESH_PORT="abc": must be an integer from 0 to 65535`. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}
