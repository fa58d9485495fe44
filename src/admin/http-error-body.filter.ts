import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * Gives every 4xx answer the admin API's `{statusCode, error, message}` form. Nest answers the
 * errors of Express's body parser (body too large, unknown charset or encoding, broken gzip) with
 * `{statusCode, message}` only; this puts the status text in as `error`. Others pass unchanged.
 */
@Catch(HttpException)
export class HttpErrorBodyFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const hasError = typeof body === 'object' && body !== null && 'error' in body;
    if (status < 400 || status >= 500 || hasError) return super.catch(exception, host);
    const message =
      typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? STATUS_CODES[status]);
    const error = STATUS_CODES[status] ?? 'Error';
    super.catch(
      new HttpException({ statusCode: status, error, message }, status, { cause: exception }),
      host,
    );
  }
}
