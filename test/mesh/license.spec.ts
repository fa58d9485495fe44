import { describe, expect, it } from '@jest/globals';
import { createPrivateKey } from 'node:crypto';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import { LicenseError } from '../../src/mesh/license/license.error.js';
import { LicenseService } from '../../src/mesh/license/license.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

const vendor = generateVendorKeys();
const signer = createPrivateKey(vendor.privateKey);
const HOUR = 3_600_000;

function license(connections: number, validForMs = HOUR, issuedAt?: Date) {
  return issueLicenseToken(signer, { licensee: 'ACME GmbH', connections, validForMs, issuedAt });
}

describe('the mesh license on both ends of a link', () => {
  const cluster = meshCluster();
  const licensed = async (token: string) =>
    cluster.start({ license: token, licensePublicKey: vendor.publicKey });
  const expired = () => license(5, HOUR, new Date(Date.now() - 2 * HOUR));

  it('refuses with unlicensed-local on the unlicensed side and unlicensed-remote on the other', async () => {
    const a = await licensed(await license(5));
    const b = await licensed(await expired());
    expect(b.app.get(LicenseService).current).toMatchObject({
      licensed: false,
      evaluation: false,
      reason: 'expired',
    });

    b.link.connect(a.target);
    await b.untilStatus(a.target, 'error', 'unlicensed-local');
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'error', 'unlicensed-remote');
    expect(a.link.linkedNodes()).toEqual([]);
  });

  it('never holds more links than the license allows, and tells further peers why', async () => {
    const hub = await licensed(await license(1));
    const [b, c] = [await cluster.start(), await cluster.start()];
    b.link.connect(hub.target);
    await b.untilStatus(hub.target, 'connected');
    c.link.connect(hub.target);
    await c.untilStatus(hub.target, 'error', 'connection-limit-remote');
    hub.link.connect(c.target);
    await hub.untilStatus(c.target, 'error', 'connection-limit-local');
    expect(hub.link.linkedNodes().map((n) => n.nodeId)).toEqual([b.nodeId]);
  });

  it('an evaluation license allows two links', async () => {
    const hub = await cluster.start();
    expect(hub.app.get(LicenseService).current).toMatchObject({
      licensed: true,
      evaluation: true,
      connections: 2,
    });
    const peers = [await cluster.start(), await cluster.start(), await cluster.start()];
    for (const peer of peers) peer.link.connect(hub.target);
    await hub.until('two links', () => hub.link.linkedNodes().length === 2);
    await hub.until('the third refused', () =>
      peers.some((peer) => peer.link.status(hub.target)?.reason === 'connection-limit-remote'),
    );
    expect(hub.link.linkedNodes()).toHaveLength(2);
  });

  it('deactivates the mesh when the license expires during operation, and activates it with a new token', async () => {
    const a = await licensed(await license(5, 4000));
    const b = await cluster.start();
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');

    await a.until('deactivation', () => a.named('mesh.deactivated')[0]);
    expect(a.named('mesh.deactivated')[0]?.payload).toEqual({ reason: 'unlicensed' });
    expect(a.app.get(LicenseService).current).toMatchObject({ licensed: false, reason: 'expired' });
    await a.untilStatus(b.target, 'error', 'unlicensed-local');
    await b.until('the link down at B', () => !b.link.isLinked(a.nodeId));
    await expect(a.link.send(b.nodeId, 'anything', 1)).rejects.toThrow('no mesh link');

    const state = await a.app.get(LicenseService).install(await license(5));
    expect(state).toMatchObject({ licensed: true, licensee: 'ACME GmbH', connections: 5 });
    await a.until('activation', () => a.named('mesh.activated')[0]);
    await a.untilStatus(b.target, 'connected');
  });

  it('refuses to install a bad token and keeps the license in force', async () => {
    const a = await licensed(await license(5));
    const service = a.app.get(LicenseService);
    const before = service.current;
    await expect(service.install(await expired())).rejects.toThrow(LicenseError);
    await expect(service.install('garbage')).rejects.toThrow(LicenseError);
    expect(service.current).toEqual(before);
  });
});
