import { LinkFailure } from '../link/link-reason.js';

/** Input that breaks the wire protocol; the connection that sent it is closed, nothing else. */
export class ProtocolError extends LinkFailure {
  constructor(message: string) {
    super('protocol-error', message);
    this.name = 'ProtocolError';
  }
}
