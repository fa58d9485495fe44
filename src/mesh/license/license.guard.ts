import { type CanActivate, ForbiddenException, Injectable } from '@nestjs/common';
import { LicenseService } from './license.service.js';

/** Lets a route or handler run only while the mesh is licensed; else 403 with the reason. */
@Injectable()
export class LicenseGuard implements CanActivate {
  constructor(private readonly license: LicenseService) {}

  canActivate(): boolean {
    const state = this.license.current;
    if (state.licensed) return true;
    throw new ForbiddenException(
      `the mesh is not licensed: ${state.reason ?? 'unknown'} — ${state.message ?? ''}`.trim(),
    );
  }
}
