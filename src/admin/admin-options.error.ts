/** AdminModule (or MeshMetricsModule) was given options it cannot run with; one problem per option. */
export class AdminOptionsError extends Error {
  constructor(
    readonly problems: readonly string[],
    moduleName = 'AdminModule',
  ) {
    super(`${moduleName}: invalid options: ${problems.join('; ')}`);
    this.name = 'AdminOptionsError';
  }
}
