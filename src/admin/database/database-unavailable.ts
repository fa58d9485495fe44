import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

/** SQLSTATE classes and codes that mean "the server is not there now", not "this statement is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3])/;
/** Socket errors while reaching or talking to the server. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
/** node-postgres' own words when a connection breaks or cannot be had. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Whether `error` says the database server cannot be reached right now (stopped, restarting,
 * connection broken) — a condition that passes, unlike a failing statement.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM releases a transaction's connection when the server drops it (pg's 'error' event);
  // the transaction's next statement then fails with these instead of a driver error.
  if (
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  )
    return true;
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (!(cause instanceof Error)) return false;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code)))
    return true;
  return UNAVAILABLE_MESSAGE.test(cause.message);
}
