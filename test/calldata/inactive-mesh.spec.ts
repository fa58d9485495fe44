import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import { LicenseService } from '../../src/mesh/license/license.service.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { callData, callDataCluster, loggedChanges, untilFields } from './calldata-mesh.js';

const vendor = generateVendorKeys();
const license = (validForMs: number) =>
  issueLicenseToken(createPrivateKey(vendor.privateKey), {
    licensee: 'ACME GmbH',
    connections: 5,
    validForMs,
  });

/**
 * While the mesh is not active (disabled, or unlicensed) CallData is recorded locally only, and
 * such changes are never sent — not even once the mesh is active again. That not a byte of them
 * crosses the wire is shown with a packet recorder in test/e2e/calldata-mesh.spec.ts.
 */
describe('CallData while the mesh is not active', () => {
  const cluster = callDataCluster();

  /** A later change reaches B: by then anything A would ever send has been sent. */
  async function syncedThrough(a: MeshNode, b: MeshNode, probe: string): Promise<void> {
    await callData(a).set(probe, { sent: 'yes' });
    await untilFields(b, probe, { sent: 'yes' });
    // Two catch-up rounds more (300 ms interval in these tests) for anything else to arrive.
    const rounds = b.named('mesh.link.up').length;
    await new Promise((done) => setTimeout(done, 700));
    expect(b.named('mesh.link.up').length).toBe(rounds);
  }

  it('keeps changes made while the mesh is disabled on this node, and never sends them later', async () => {
    const [a, b] = await cluster.fullMesh(2);
    const settings = a!.app.get(MeshSettingsService);
    await settings.update({ enabled: false });
    await a!.until('no links', () => a!.link.linkedNodes().length === 0);

    const local = await callData(a!).set('private-call', { note: 'stays on A' });
    expect(local.fields).toEqual({ note: 'stays on A' });
    await callData(a!).set('shared-call', { early: 'before enabling' });
    expect(await loggedChanges(a!, 'private-call')).toBe(0);

    await settings.update({ enabled: true });
    await a!.until('linked again', () => a!.link.isLinked(b!.nodeId));
    await callData(a!).set('shared-call', { late: 'after enabling' });
    await untilFields(b!, 'shared-call', { late: 'after enabling' });
    await syncedThrough(a!, b!, 'probe-disabled');

    expect(await callData(b!).get('private-call')).toBeNull();
    expect(await callData(a!).get('private-call')).toEqual(local);
    expect((await callData(a!).get('shared-call'))?.fields).toEqual({
      early: 'before enabling',
      late: 'after enabling',
    });
  });

  it('stops replicating when the license expires, and resumes with a new one — without the changes in between', async () => {
    const a = await cluster.start({ license: await license(3000), licensePublicKey: vendor.publicKey });
    const b = await cluster.start();
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
    await callData(a).set('before-expiry', { n: '1' });
    await untilFields(b, 'before-expiry', { n: '1' });

    await a.until('expiry', () => a.named('mesh.deactivated')[0]);
    await b.until('the link down at B', () => !b.link.isLinked(a.nodeId));
    await callData(a).set('unlicensed-call', { secret: 'not replicated' });
    expect(await loggedChanges(a, 'unlicensed-call')).toBe(0);

    await a.app.get(LicenseService).install(await license(3_600_000));
    await a.untilStatus(b.target, 'connected');
    await syncedThrough(a, b, 'probe-relicensed');
    expect(await callData(b).get('unlicensed-call')).toBeNull();
  });

  it('a node whose mesh is disabled neither sends nor takes changes from a peer that still has links', async () => {
    const [a, b, c] = await cluster.fullMesh(3);
    await b!.app.get(MeshSettingsService).update({ enabled: false });
    await b!.until('no links', () => b!.link.linkedNodes().length === 0);
    await callData(a!).set('while-b-disabled', { n: '1' });
    await untilFields(c!, 'while-b-disabled', { n: '1' });
    expect(await callData(b!).get('while-b-disabled')).toBeNull();

    // Changes logged while B was away are not B's own: once active again it catches up on them.
    await b!.app.get(MeshSettingsService).update({ enabled: true });
    await untilFields(b!, 'while-b-disabled', { n: '1' });
  });
});
