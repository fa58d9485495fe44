import { afterEach, describe, expect, it } from '@jest/globals';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import type { LinkReason } from '../../src/mesh/link/link-reason.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { EchoHandler, keepRequesting } from '../helpers/mesh-traffic.js';
import { StartTlsStripper, type Strip } from './starttls-stripper.js';

// Without certificate files each node generates its own self-signed pair: over TLS, what
// authenticates the peer is the mesh password bound to the TLS session (the exporter).

describe('a man in the middle that strips STARTTLS between two nodes', () => {
  const cluster = meshCluster();
  const strippers: StartTlsStripper[] = [];

  afterEach(async () => {
    await Promise.all(strippers.splice(0).map((stripper) => stripper.close()));
  });

  /** The acceptor, a third node linked to it directly (to prove service goes on), and the dialer via the stripper. */
  const setup = async (dialerMode: EncryptionMode, acceptorMode: EncryptionMode, strip: Strip) => {
    const acceptor = await cluster.start({ encryption: acceptorMode }, [EchoHandler]);
    const bystander = await cluster.start({ encryption: acceptorMode }, [EchoHandler]);
    bystander.link.connect(acceptor.target);
    await bystander.untilStatus(acceptor.target, 'connected');
    const traffic = keepRequesting([[bystander, acceptor]]);
    const stripper = await StartTlsStripper.start(acceptor.link.port, strip);
    strippers.push(stripper);
    // Few retries: each failure counts against 127.0.0.1 at the acceptor's rate limit.
    const dialer = await cluster.start(
      { encryption: dialerMode, reconnectMinMs: 3000, reconnectMaxMs: 3000 },
      [EchoHandler],
    );
    dialer.link.connect(stripper.target);
    return { acceptor, bystander, dialer, stripper, traffic };
  };

  it('passes an untouched exchange: the nodes link over TLS through it (the control)', async () => {
    const { acceptor, dialer, stripper, traffic } = await setup(
      'starttls-optional',
      'starttls-optional',
      'none',
    );
    const status = await dialer.untilStatus(stripper.target, 'connected');
    expect(status.transport).toBe('tls');
    await expect(dialer.link.request(acceptor.nodeId, 'test.echo', 'via')).resolves.toEqual({
      payload: 'via',
      from: dialer.nodeId,
    });
    expect((await traffic.stop()).failures).toEqual([]);
  });

  it.each<[EncryptionMode, EncryptionMode, Strip, LinkReason, LinkReason]>([
    // Both optional: each side believes the other has encryption off and goes TCP — but each proves
    // the hellos it saw, so the acceptor detects the change and both report it.
    ['starttls-optional', 'starttls-optional', 'both', 'password-mismatch', 'password-mismatch'],
    // Only one offer stripped: one side starts TLS and the other talks plaintext; TLS or the framing fails.
    ['starttls-optional', 'starttls-optional', 'dialer', 'tls-failed', 'protocol-error'],
    ['starttls-optional', 'starttls-optional', 'acceptor', 'connection-lost', 'tls-failed'],
    // TLS required on either side: that side refuses TCP outright (the other sees the connection end).
    ['starttls-required', 'starttls-optional', 'both', 'tls-required-local', 'connection-lost'],
    ['starttls-optional', 'starttls-required', 'both', 'connection-lost', 'tls-required-local'],
    ['starttls-required', 'starttls-required', 'both', 'tls-required-local', 'tls-required-local'],
  ])(
    'dialer %s × acceptor %s, stripped: %s — dialer %s, acceptor %s, never a TCP link',
    async (dialerMode, acceptorMode, strip, dialerReason, acceptorReason) => {
      const { acceptor, bystander, dialer, stripper, traffic } = await setup(dialerMode, acceptorMode, strip);
      const status = await dialer.until('the dialer to fail', () => {
        const current = dialer.link.status(stripper.target);
        return current?.state === 'error' ? current : undefined;
      });
      expect(status.reason).toBe(dialerReason);
      const [event] = await acceptor.until('the acceptor to fail', () => {
        const found = acceptor.inboundErrors();
        return found.length > 0 ? found : undefined;
      });
      expect(event?.payload.reason).toBe(acceptorReason);
      // The attack did happen: each hello it was to strip passed through it and was rewritten.
      if (strip !== 'acceptor') expect(stripper.stripped.dialer).toBeGreaterThan(0);
      if (strip !== 'dialer') expect(stripper.stripped.acceptor).toBeGreaterThan(0);
      // No link came up between them, over TCP or otherwise; the bystander's link went on.
      expect(dialer.named('mesh.link.up')).toEqual([]);
      expect(acceptor.named('mesh.link.up').map((e) => e.payload.nodeId)).not.toContain(dialer.nodeId);
      const { failures, answered } = await traffic.stop();
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(0);
      expect(acceptor.link.isLinked(bystander.nodeId)).toBe(true);
    },
  );
});
