import { BadRequestException, Body, Get, Put, UsePipes } from '@nestjs/common';
import { LicenseError, LicenseService, type LicenseState } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { StrictValidationPipe } from '../validation/strict-validation.pipe.js';
import { InstallLicenseDto } from './install-license.dto.js';

/** `GET/PUT /api/license`: the license in force; installing a token that does not verify is a 400. */
@AdminApi('license')
@UsePipes(new StrictValidationPipe())
export class LicenseController {
  constructor(private readonly license: LicenseService) {}

  @Get()
  get(): LicenseState {
    return this.license.current;
  }

  @Put()
  async install(@Body() body: InstallLicenseDto): Promise<LicenseState> {
    try {
      return await this.license.install(body.token);
    } catch (error: unknown) {
      if (error instanceof LicenseError)
        throw new BadRequestException(`license token refused: ${error.problem} — ${error.message}`);
      throw error;
    }
  }
}
