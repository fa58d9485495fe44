import { type ArgumentsHost, BadRequestException, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { CallDataValidationError } from '../../calldata/calldata-validation.error.js';

/** A call linkage ID, limit or time out of bounds: 400 in the same `message: string[]` form as a body's. */
@Catch(CallDataValidationError)
export class CallDataErrorsFilter extends BaseExceptionFilter {
  override catch(error: CallDataValidationError, host: ArgumentsHost): void {
    super.catch(new BadRequestException([error.message], { cause: error }), host);
  }
}
