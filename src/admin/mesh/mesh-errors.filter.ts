import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  type HttpException,
  NotFoundException,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import {
  MeshSettingsError,
  NodeExistsError,
  NodeNotFixedError,
  NodeNotFoundError,
} from '../../mesh/index.js';

type MeshDomainError = NodeNotFoundError | NodeExistsError | NodeNotFixedError | MeshSettingsError;

/**
 * Maps the registry's and settings' domain errors to HTTP answers for the mesh controllers:
 * unknown node 404, fixed address taken or TLS required of a discovered node 409, impossible settings 400 naming the field in the same
 * `message: string[]` form as validation errors. Anything else goes on to Nest's default handling.
 */
@Catch(NodeNotFoundError, NodeExistsError, NodeNotFixedError, MeshSettingsError)
export class MeshErrorsFilter extends BaseExceptionFilter {
  override catch(error: MeshDomainError, host: ArgumentsHost): void {
    super.catch(toHttpException(error), host);
  }
}

function toHttpException(error: MeshDomainError): HttpException {
  if (error instanceof NodeNotFoundError) return new NotFoundException(error.message, { cause: error });
  if (error instanceof NodeExistsError || error instanceof NodeNotFixedError)
    return new ConflictException(error.message, { cause: error });
  return new BadRequestException([`${error.field}: ${error.message}`], { cause: error });
}
