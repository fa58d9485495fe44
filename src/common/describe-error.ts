/** What to log of anything thrown: the stack of an Error, else its text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Anything thrown, as an Error (a thrown string becomes its message). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
