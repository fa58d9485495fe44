import { type ArgumentsHost, BadRequestException, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { CallDataValidationError } from './calldata-validation.error.js';

/**
 * A `CallDataValidationError` that escapes a host's route (a call linkage ID, field or limit out of
 * bounds) answers 400 `{statusCode: 400, error: 'Bad Request', message: [the reason]}` instead of a
 * bare 500. Nest's usual ways: `@UseFilters(CallDataValidationFilter)` on a controller or handler,
 * `{ provide: APP_FILTER, useClass: CallDataValidationFilter }`, or
 * `app.useGlobalFilters(new CallDataValidationFilter(app.getHttpAdapter()))` — created by hand, a
 * filter extending Nest's BaseExceptionFilter needs the HTTP adapter passed in.
 */
@Catch(CallDataValidationError)
export class CallDataValidationFilter extends BaseExceptionFilter {
  override catch(error: CallDataValidationError, host: ArgumentsHost): void {
    super.catch(new BadRequestException([error.message], { cause: error }), host);
  }
}
