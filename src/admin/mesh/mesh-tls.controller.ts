import { BadRequestException, Body, ConflictException, Get, Put, UsePipes } from '@nestjs/common';
import { KeyFileError, TlsMaterialService, type TlsOverview, TlsReplaceError } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { ReplaceTlsDto } from './dto/replace-tls.dto.js';
import { meshValidationPipe } from './mesh-validation.js';

/**
 * `GET /api/mesh/tls`: this node's certificate; `PUT /api/mesh/tls`: new material for new links,
 * without a restart. Bad material answers 400 naming the part and the problem, and the current
 * material stays; 409 when encryption is off or the files cannot be written.
 */
@AdminApi('mesh/tls')
@UsePipes(meshValidationPipe())
export class MeshTlsController {
  constructor(private readonly tls: TlsMaterialService) {}

  @Get()
  get(): TlsOverview {
    return this.tls.overview();
  }

  @Put()
  async replace(@Body() body: ReplaceTlsDto): Promise<TlsOverview> {
    try {
      return await this.tls.replace(body);
    } catch (error: unknown) {
      if (error instanceof KeyFileError) throw new BadRequestException([error.message], { cause: error });
      if (error instanceof TlsReplaceError) throw new ConflictException(error.message, { cause: error });
      throw error;
    }
  }
}
