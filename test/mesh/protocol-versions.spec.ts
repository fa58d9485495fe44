import { describe, expect, it } from '@jest/globals';
import { MeshOverviewService } from '../../src/admin/mesh/mesh-overview.service.js';
import { PROTOCOL_VERSIONS } from '../../src/mesh/handshake/handshake-messages.js';
import { LicenseService } from '../../src/mesh/license/license.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { PasswordRotationService } from '../../src/mesh/link/password-rotation.service.js';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import { SOFTWARE_VERSION } from '../../src/mesh/software-version.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { connectRawPeer } from '../helpers/raw-peer.js';

/** The overview `GET /api/mesh` answers, from the node's own services. */
function overview(node: MeshNode) {
  const { app } = node;
  return new MeshOverviewService(
    app.get(MeshSettingsService),
    app.get(NodeIdentityService),
    app.get(LinkService),
    app.get(LicenseService),
    app.get(PasswordRotationService),
    { host: '127.0.0.1' },
  ).overview();
}

describe('protocol versions between two builds', () => {
  const cluster = meshCluster();

  it('two nodes of this build speak its highest version, over TLS with both verdicts', async () => {
    const [a, b] = [
      await cluster.start({ encryption: 'starttls-optional' }),
      await cluster.start({ encryption: 'starttls-optional' }),
    ];
    a.link.connect(b.target);
    const status = await a.untilStatus(b.target, 'connected');
    expect(status).toMatchObject({
      protocolVersion: PROTOCOL_VERSIONS.max,
      version: SOFTWARE_VERSION,
      tls: { peerTrusted: true, trustedByPeer: true },
    });
    const up = await b.until('B to report the link', () => b.named('mesh.link.up')[0]);
    expect(up.payload).toMatchObject({ protocolVersion: PROTOCOL_VERSIONS.max, software: SOFTWARE_VERSION });
    expect(overview(a).versions).toEqual({ software: [SOFTWARE_VERSION], mixed: false });
  });

  it.each(['dialer', 'acceptor'] as const)(
    'an older build (versions 1–1) as the %s links at the common version 1, without verdicts',
    async (older) => {
      const old = { encryption: 'starttls-optional' as const, protocolVersions: { max: 1 } };
      const current = { encryption: 'starttls-optional' as const };
      const acceptor = await cluster.start(older === 'acceptor' ? old : current);
      const dialer = await cluster.start(older === 'dialer' ? old : current);
      dialer.link.connect(acceptor.target);

      const status = await dialer.untilStatus(acceptor.target, 'connected');
      expect(status).toMatchObject({ transport: 'tls', protocolVersion: 1, tls: { peerTrusted: true } });
      // Version 1 has no field for the peer's verdict: unknown, not made up.
      expect(status.tls).not.toHaveProperty('trustedByPeer');
      const up = await acceptor.until(
        'the acceptor to report the link',
        () => acceptor.named('mesh.link.up')[0],
      );
      expect(up.payload).toMatchObject({ protocolVersion: 1, transport: 'tls' });
    },
  );

  it('ranges that do not overlap fail with version-mismatch on both sides, naming both ranges', async () => {
    const acceptor = await cluster.start({ protocolVersions: { min: 2 } });
    const dialer = await cluster.start({ protocolVersions: { max: 1 } });
    dialer.link.connect(acceptor.target);

    const status = await dialer.untilStatus(acceptor.target, 'error', 'version-mismatch');
    expect(status.message).toBe(
      `no common protocol version: this node speaks 1, the peer 2${PROTOCOL_VERSIONS.max > 2 ? `–${PROTOCOL_VERSIONS.max}` : ''}`,
    );
    expect(status.hint).toMatch(/no common protocol version/);
    const event = await acceptor.until(
      'the acceptor to report it',
      () => acceptor.inboundErrors('version-mismatch')[0],
    );
    expect(event.payload.message).toMatch(/this node speaks 2.*, the peer 1$/);
    expect(dialer.link.linkedNodes()).toEqual([]);
    expect(acceptor.link.linkedNodes()).toEqual([]);
  });

  it('the overview shows a mesh running mixed software versions', async () => {
    const node = await cluster.start({
      acceptUnknownPeers: true,
      meshId: 'test-mesh',
      password: 'test-password',
    });
    const peer = await connectRawPeer(node.target);
    try {
      await node.until('the raw peer linked', () => node.link.linkedNodes().length === 1);
      expect(overview(node).versions).toEqual({
        software: ['raw-peer', SOFTWARE_VERSION].sort(),
        mixed: true,
      });
    } finally {
      peer.socket.destroy();
    }
    await node.until('the raw peer gone', () => node.link.linkedNodes().length === 0);
    expect(overview(node).versions).toEqual({ software: [SOFTWARE_VERSION], mixed: false });
  });
});
