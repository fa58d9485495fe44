/**
 * TLS material cannot be replaced on this node as asked: encryption is off, or the files cannot be
 * written. Bad material itself is a `KeyFileError`. The admin API answers 409 with the message.
 */
export class TlsReplaceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TlsReplaceError';
  }
}
