import type { Direction } from './link.js';
import type { LinkReason } from './link-reason.js';
import type { TlsDetails } from './tls-upgrade.js';

/** The live status of a peer, as CONTRACT §4 shows it in `Node.status`. */
export interface LinkStatus {
  state: 'connected' | 'connecting' | 'error' | 'disabled' | 'idle';
  reason?: LinkReason;
  message?: string;
  /** What an administrator can do about `reason` (`LINK_HINTS`); set with every reason. */
  hint?: string;
  /** When `state` (and `reason`) last changed. */
  since: string;
  lastConnectedAt?: string;
  direction?: Direction;
  remoteAddress?: string;
  transport?: 'tls' | 'tcp';
  /** The peer's software version. */
  version?: string;
  /** The protocol version both sides speak on the link. */
  protocolVersion?: number;
  /** On TLS, with both sides' verdicts on the certificates (`peerTrusted`, `trustedByPeer`). */
  tls?: TlsDetails;
  /**
   * The peer's clock minus this node's, in ms (positive: the peer is ahead), measured NTP-style in
   * the handshake and the pings; on a `clock-skew` error, the offset that was refused. Absent for a
   * peer that sends no clock stamps.
   */
  clockOffsetMs?: number;
  /** Round trip to the peer in ms, smoothed over the pings, while connected. */
  rttMs?: number;
  /**
   * While connected: which of this node's mesh passwords the peer proved — `current`, or
   * `previous` during a password change's grace period (the peer has not been switched yet).
   */
  password?: 'current' | 'previous';
}

/** A host and port to dial: the peer's clients network interface. */
export interface LinkTarget {
  host: string;
  port: number;
}

export function targetKey(target: LinkTarget): string {
  return `${target.host.toLowerCase()}:${target.port}`;
}
