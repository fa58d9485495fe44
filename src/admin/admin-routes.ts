import { Inject, Injectable } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/** Token of AdminModule's normalised `basePath` (`''` at the root). */
export const ADMIN_BASE_PATH = Symbol('ADMIN_BASE_PATH');

/** Where AdminModule's routes are in this application: global prefix, then `basePath`. */
@Injectable()
export class AdminRoutes {
  constructor(
    @Inject(ADMIN_BASE_PATH) readonly basePath: string,
    private readonly config: ApplicationConfig,
  ) {}

  /**
   * The admin API's root, e.g. `/v1/mesh/api`. Read at each call: the host may set its global
   * prefix after this module was created (`setGlobalPrefix` before `listen`).
   */
  get apiPath(): string {
    return joinPaths(this.config.getGlobalPrefix(), this.basePath, 'api');
  }

  /** Whether a request path is the admin API's; case-insensitive, as Express routes by default. */
  isApi(path: string): boolean {
    const api = this.apiPath.toLowerCase();
    const candidate = path.toLowerCase();
    return candidate === api || candidate.startsWith(`${api}/`);
  }
}

/** `('v1/', '', 'api')` ⇒ `/v1/api`. */
export function joinPaths(...parts: string[]): string {
  const segments = parts.flatMap((part) => part.split('/')).filter((segment) => segment !== '');
  return `/${segments.join('/')}`;
}
