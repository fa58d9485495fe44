import { Body, Get, Put, UseFilters, UsePipes } from '@nestjs/common';
import { MeshSettingsService } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { UpdateMeshSettingsDto } from './dto/update-mesh-settings.dto.js';
import { MeshErrorsFilter } from './mesh-errors.filter.js';
import type { MeshOverview } from './mesh-overview.js';
import { MeshOverviewService } from './mesh-overview.service.js';
import { meshValidationPipe } from './mesh-validation.js';

/** `GET /api/mesh` and `PUT /api/mesh/settings`. */
@AdminApi('mesh')
@UsePipes(meshValidationPipe())
@UseFilters(MeshErrorsFilter)
export class MeshController {
  constructor(
    private readonly settings: MeshSettingsService,
    private readonly overview: MeshOverviewService,
  ) {}

  @Get()
  get(): MeshOverview {
    return this.overview.overview();
  }

  /** Stored before it takes effect; answers the new overview. */
  @Put('settings')
  async update(@Body() change: UpdateMeshSettingsDto): Promise<MeshOverview> {
    await this.settings.update(change);
    return this.overview.overview();
  }
}
