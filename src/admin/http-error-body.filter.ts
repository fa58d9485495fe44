import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request } from 'express';

/**
 * Gives every 4xx answer of the admin API (`/api/*`) its `{statusCode, error, message}` form. Nest
 * answers the errors of Express's body parser (body too large, unknown charset or encoding, broken
 * gzip) with `{statusCode, message}` only; this adds the status text as `error`. It must be global
 * because those errors arise before any route's filters; the host application's own routes, and
 * every other field of a body, pass unchanged.
 */
@Catch(HttpException)
export class HttpErrorBodyFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const path = host.getType() === 'http' ? host.switchToHttp().getRequest<Request>().path : undefined;
    const hasError = typeof body === 'object' && 'error' in body;
    if (!path?.startsWith('/api/') || status < 400 || status >= 500 || hasError) {
      return super.catch(exception, host);
    }
    const fields = typeof body === 'string' ? { message: body } : body;
    const error = STATUS_CODES[status] ?? 'Error';
    super.catch(
      new HttpException({ statusCode: status, error, message: STATUS_CODES[status], ...fields }, status, {
        cause: exception,
      }),
      host,
    );
  }
}
