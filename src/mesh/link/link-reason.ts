/**
 * Why a link is not up (CONTRACT §4). `-local` means this node's own state or setting is the
 * cause, `-remote` the peer's.
 */
export type LinkReason =
  | 'unreachable'
  | 'timeout'
  | 'mesh-id-mismatch'
  | 'password-mismatch'
  | 'tls-required-remote'
  | 'tls-required-local'
  | 'certificate-untrusted'
  | 'tls-failed'
  | 'unlicensed-local'
  | 'unlicensed-remote'
  | 'mesh-disabled-remote'
  | 'mesh-not-configured-local'
  | 'mesh-not-configured-remote'
  | 'not-known-remote'
  | 'disabled-remote'
  | 'duplicate'
  | 'self'
  | 'rate-limited'
  | 'protocol-error'
  | 'connection-lost'
  | 'shutdown'
  | 'closed';

/** A failure with its reason, safe to show to an administrator. */
export class LinkFailure extends Error {
  constructor(
    readonly reason: LinkReason,
    message: string,
  ) {
    super(message);
    this.name = 'LinkFailure';
  }
}
