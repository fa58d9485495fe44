import type { EncryptionMode } from '../link/encryption-mode.js';
import type { LinkReason } from '../link/link-reason.js';

export type Transport = 'tls' | 'tcp';

/**
 * The product rule: TLS whenever both interfaces allow it; with `starttls-required` on either
 * side only TLS, else the link fails (never a fallback to TCP).
 */
export function negotiateTransport(
  local: EncryptionMode,
  remote: EncryptionMode,
): { transport: Transport } | { reason: LinkReason; message: string } {
  if (local === 'starttls-required' && remote === 'none') {
    return { reason: 'tls-required-local', message: 'this node requires TLS; the peer has encryption off' };
  }
  if (remote === 'starttls-required' && local === 'none') {
    return { reason: 'tls-required-remote', message: 'the peer requires TLS; this node has encryption off' };
  }
  return { transport: local === 'none' || remote === 'none' ? 'tcp' : 'tls' };
}
