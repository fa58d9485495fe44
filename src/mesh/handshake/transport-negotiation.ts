import type { EncryptionMode } from '../link/encryption-mode.js';
import type { LinkReason } from '../link/link-reason.js';

export type Transport = 'tls' | 'tcp';

/** Why no link: `tellPeer` when the peer cannot see the cause itself (a per-node requirement). */
export interface TransportRefusal {
  reason: LinkReason;
  message: string;
  tellPeer?: { reason: LinkReason; message: string };
}

/**
 * The product rule: TLS whenever both interfaces allow it; with `starttls-required` on either
 * side — or this node requiring TLS for this peer (`requiredForPeer`, the fixed node's
 * `requireTls`) — only TLS, else the link fails (never a fallback to TCP).
 */
export function negotiateTransport(
  local: EncryptionMode,
  remote: EncryptionMode,
  requiredForPeer = false,
): { transport: Transport } | TransportRefusal {
  if (local === 'starttls-required' && remote === 'none') {
    return { reason: 'tls-required-local', message: 'this node requires TLS; the peer has encryption off' };
  }
  if (remote === 'starttls-required' && local === 'none') {
    return { reason: 'tls-required-remote', message: 'the peer requires TLS; this node has encryption off' };
  }
  const transport = local === 'none' || remote === 'none' ? 'tcp' : 'tls';
  if (transport === 'tcp' && requiredForPeer) {
    const off = local === 'none' ? 'this node has' : 'the peer has';
    return {
      reason: 'tls-required-local',
      message: `this node requires TLS for this peer (requireTls); ${off} encryption off`,
      tellPeer: {
        reason: 'tls-required-remote',
        message: `the peer requires TLS for this node; ${local === 'none' ? 'the peer has' : 'this node has'} encryption off`,
      },
    };
  }
  return { transport };
}

/** Whether this link must be TLS with trusted certificates: either side's setting or this node's for the peer. */
export function tlsRequired(
  local: EncryptionMode,
  remote: EncryptionMode,
  requiredForPeer: boolean,
): boolean {
  return local === 'starttls-required' || remote === 'starttls-required' || requiredForPeer;
}

/**
 * TLS whenever it can be negotiated: a certificate that one side does not trust still gives an
 * encrypted link — authenticated by the password proof bound to the TLS session — unless TLS is
 * required, when both certificates must be trusted. `trustedByPeer` is undefined while unknown
 * (before the peer's auth, or from a peer of protocol version 1).
 */
export function certificatesAcceptable(
  required: boolean,
  verdicts: { peerTrusted: boolean; trustedByPeer?: boolean },
): boolean {
  return !required || (verdicts.peerTrusted && verdicts.trustedByPeer !== false);
}
