/**
 * A secret, key or certificate file the node cannot use: which file, what is wrong with it and what
 * to do, e.g. `admin token file /data/admin-token is empty; write a token of at least 16 characters
 * into it, or delete it to have one generated`. The standalone node prints it as one line and exits.
 */
export class KeyFileError extends Error {
  constructor(
    /** The file as the operator knows it, path included: `MESH_TLS_KEY file /etc/uc/key.pem`. */
    readonly file: string,
    readonly problem: string,
    readonly remedy: string,
    options?: ErrorOptions,
  ) {
    super(`${file} ${problem}; ${remedy}`, options);
    this.name = 'KeyFileError';
  }
}

/** The KeyFileError behind `error`, itself or one of its causes, if any. */
export function findKeyFileError(error: unknown): KeyFileError | undefined {
  let at: unknown = error;
  for (let depth = 0; depth < 10 && typeof at === 'object' && at !== null; depth++) {
    if (at instanceof KeyFileError) return at;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}
