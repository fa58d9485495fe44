import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { isDatabaseUnavailable } from './database-unavailable.js';

/**
 * Answers 503 "database unavailable" instead of a bare 500 when a route fails because the
 * database server is down or restarting: the client learns that the fault passes and that a retry
 * will do (a PUT of CallData sets the same fields again). An interceptor, not a filter, so every
 * other error reaches the controllers' own filters unchanged.
 */
@Injectable()
export class DatabaseUnavailableInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() =>
            isDatabaseUnavailable(error)
              ? new ServiceUnavailableException(
                  `the database is unavailable; retry later (${(error as Error).message})`,
                  { cause: error },
                )
              : error,
          ),
        ),
      );
  }
}
