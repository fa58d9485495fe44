import { afterEach, describe, expect, it } from '@jest/globals';
import { createPrivateKey } from 'node:crypto';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

const vendor = generateVendorKeys();
const signer = createPrivateKey(vendor.privateKey);
const DAY = 86_400_000;
const running: NodeProcess[] = [];

async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({ MESH_ID: 'lic', MESH_PASSWORD: 'lic-password', ...env });
  running.push(node);
  return node;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop()));
});

describe('GET/PUT /api/license on the standalone node', () => {
  it('runs a 30-day evaluation with 2 connections that a restart does not renew', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const before = await first.api('/api/license', { token: first.adminToken });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ licensed: true, evaluation: true, licensee: null, connections: 2 });
    const expiresAt = Date.parse((before.body as { expiresAt: string }).expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(29 * DAY);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(30 * DAY);
    await first.stop();

    const second = await start({ DATA_DIR: dataDir });
    const after = await second.api('/api/license', { token: second.adminToken });
    expect(after.body).toEqual(before.body);
  });

  it('refuses a bad token with 400 and the reason, keeps the license, and installs a good one for good', async () => {
    const dataDir = await tempDataDir();
    const env = { DATA_DIR: dataDir, MESH_LICENSE_PUBLIC_KEY: vendor.publicKey };
    const node = await start(env);
    const token = node.adminToken;
    const evaluation = (await node.api('/api/license', { token })).body;

    const foreign = await issueLicenseToken(createPrivateKey(generateVendorKeys().privateKey), {
      licensee: 'Mallory',
      connections: 99,
      validForMs: DAY,
    });
    for (const [bad, problem] of [
      [foreign, 'bad-signature'],
      ['not-a-token', 'malformed'],
    ] as const) {
      const refused = await node.api('/api/license', { method: 'PUT', body: { token: bad }, token });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(refused.body)).toContain(problem);
    }
    expect((await node.api('/api/license', { method: 'PUT', body: {}, token })).status).toBe(400);
    expect((await node.api('/api/license', { token })).body).toEqual(evaluation);

    const good = await issueLicenseToken(signer, {
      licensee: 'ACME GmbH',
      connections: 16,
      validForMs: 365 * DAY,
    });
    const installed = await node.api('/api/license', { method: 'PUT', body: { token: good }, token });
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({
      licensed: true,
      evaluation: false,
      licensee: 'ACME GmbH',
      connections: 16,
    });
    await node.stop();

    // The token is stored: it is in force after a restart.
    const again = await start(env);
    expect((await again.api('/api/license', { token: again.adminToken })).body).toMatchObject({
      licensee: 'ACME GmbH',
    });
  });

  it('leaves a node with an invalid configured token unlicensed, without falling back to the evaluation', async () => {
    const expired = await issueLicenseToken(signer, {
      licensee: 'ACME GmbH',
      connections: 16,
      validForMs: DAY,
      issuedAt: new Date(Date.now() - 3 * DAY),
    });
    const node = await start({
      DATA_DIR: await tempDataDir(),
      MESH_LICENSE: expired,
      MESH_LICENSE_PUBLIC_KEY: vendor.publicKey,
    });
    const state = await node.api('/api/license', { token: node.adminToken });
    expect(state.body).toMatchObject({ licensed: false, evaluation: false, reason: 'expired' });
    const mesh = await node.api('/api/mesh', { token: node.adminToken });
    expect(mesh.body).toMatchObject({ enabled: true, active: false, licensed: false });
    // Routes that change mesh behaviour need the license.
    const add = await node.api('/api/mesh/nodes', {
      method: 'POST',
      body: { host: 'uc2.example.lan', port: 7222 },
      token: node.adminToken,
    });
    expect(add.status).toBe(403);
    expect(JSON.stringify(add.body)).toContain('expired');
  });
});
