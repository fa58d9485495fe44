/**
 * Why a link is not up (CONTRACT §4). `-local` means this node's own state or setting is the
 * cause, `-remote` the peer's.
 */
export const LINK_REASONS = [
  'unreachable',
  'timeout',
  'mesh-id-mismatch',
  'password-mismatch',
  'tls-required-remote',
  'tls-required-local',
  'certificate-untrusted',
  'tls-failed',
  'unlicensed-local',
  'unlicensed-remote',
  'connection-limit-local',
  'connection-limit-remote',
  'mesh-disabled-remote',
  'mesh-not-configured-local',
  'mesh-not-configured-remote',
  'not-known-remote',
  'disabled-remote',
  /** Unchecked in this node's list (the peer shows `disabled-remote`). */
  'disabled-local',
  /** The peer's clock is further off than `maxClockOffsetMs` (measured by either side). */
  'clock-skew',
  'duplicate',
  'self',
  'rate-limited',
  'protocol-error',
  'connection-lost',
  'shutdown',
  'closed',
] as const;

export type LinkReason = (typeof LINK_REASONS)[number];

const KNOWN = new Set<string>(LINK_REASONS);

/** A reason word received from a peer; words this version does not know become `fallback`. */
export function asLinkReason(word: string, fallback: LinkReason): LinkReason {
  return KNOWN.has(word) ? (word as LinkReason) : fallback;
}

/** A failure with its reason, safe to show to an administrator. */
export class LinkFailure extends Error {
  constructor(
    readonly reason: LinkReason,
    message: string,
    /** The peer's clock minus this node's, where this node measured it (with `clock-skew`). */
    readonly clockOffsetMs?: number,
  ) {
    super(message);
    this.name = 'LinkFailure';
  }
}
