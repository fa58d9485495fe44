import { PROTOCOL_VERSIONS } from './handshake-messages.js';

/** The protocol versions a node speaks, both ends included. */
export interface VersionRange {
  min: number;
  max: number;
}

/** The first protocol version whose auth carries the certificate verdict (`trusted`). */
export const VERDICT_VERSION = 2;

/** The range a hello announces; a version-1 hello names only its one `version`. */
export function helloRange(hello: { version: number; minVersion?: number }): VersionRange {
  return { min: hello.minVersion ?? hello.version, max: hello.version };
}

/** "1" or "1–2", as messages name a range. */
export function formatRange({ min, max }: VersionRange): string {
  return min === max ? `${min}` : `${min}–${max}`;
}

/**
 * Two nodes speak the highest version both know; ranges that do not overlap cannot link. The
 * message names both ranges from this node's point of view (`peerMessage` from the peer's).
 */
export function agreeVersion(
  own: VersionRange,
  peer: VersionRange,
): { version: number } | { reason: 'version-mismatch'; message: string; peerMessage: string } {
  const version = Math.min(own.max, peer.max);
  if (version >= Math.max(own.min, peer.min)) return { version };
  const say = (self: VersionRange, other: VersionRange) =>
    `no common protocol version: this node speaks ${formatRange(self)}, the peer ${formatRange(other)}`;
  return { reason: 'version-mismatch', message: say(own, peer), peerMessage: say(peer, own) };
}

/**
 * A range this build can speak: `wanted` (e.g. pinned for a rolling upgrade or a test) within
 * `PROTOCOL_VERSIONS`; undefined parts take the build's bounds.
 */
export function speakableRange(wanted: Partial<VersionRange> = {}): VersionRange {
  const min = Math.max(PROTOCOL_VERSIONS.min, wanted.min ?? PROTOCOL_VERSIONS.min);
  const max = Math.min(PROTOCOL_VERSIONS.max, wanted.max ?? PROTOCOL_VERSIONS.max);
  if (min > max) throw new RangeError(`protocol versions ${min}–${max} are empty`);
  return { min, max };
}
