import { STATUS_CODES } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AdminRoutes } from './admin-routes.js';

/** Largest JSON body of the admin API: a CallData PUT at its limits, escaped at worst. */
export const ADMIN_BODY_LIMIT = '2mb';

/**
 * Parses the bodies of AdminModule's API (`<global prefix>/<basePath>/api/*`) itself: JSON up to
 * `ADMIN_BODY_LIMIT` (Express's default of 100 kB would refuse CallData the limits allow: 64
 * fields of 4096 characters), and a body it cannot read (broken JSON, too large, unknown charset
 * or encoding) answered in the API's `{statusCode, error, message}` form. Every other route keeps
 * the application's own body parsers, limits and error answers. Call after `NestFactory.create`
 * and before `listen`/`init`, so it runs before Nest's parsers; the application must import
 * AdminModule.
 */
export function useAdminBodyParser(app: NestExpressApplication): void {
  const routes = app.get(AdminRoutes, { strict: false });
  const parsers = [
    express.json({ limit: ADMIN_BODY_LIMIT }),
    express.urlencoded({ limit: ADMIN_BODY_LIMIT, extended: false }),
  ];
  // Named unlike Nest's `jsonParser`, which Nest would then take as already applied everywhere.
  app.use(function adminBodyParser(request: Request, response: Response, next: NextFunction): void {
    if (!routes.isApi(request.path)) return next();
    parseWith(parsers, request, response, (error) => {
      if (error === undefined) next();
      else answerParseError(response, error);
    });
  });
}

function parseWith(
  parsers: RequestHandler[],
  request: Request,
  response: Response,
  done: (error?: unknown) => void,
): void {
  const [first, ...rest] = parsers;
  if (!first) return done();
  // A parser that read the body leaves nothing for the next one: it sees a finished request.
  void first(request, response, (error?: unknown) =>
    error === undefined ? parseWith(rest, request, response, done) : done(error),
  );
}

/** The parser's errors carry a 4xx `status` and a message meant for the client (`expose`). */
function answerParseError(response: Response, error: unknown): void {
  const { status, expose, message } = (error ?? {}) as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  const statusCode = typeof status === 'number' && status >= 400 && status < 600 ? status : 400;
  const text = STATUS_CODES[statusCode] ?? 'Error';
  response.status(statusCode).json({
    statusCode,
    error: text,
    message: expose === true && typeof message === 'string' ? message : text,
  });
}
