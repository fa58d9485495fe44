import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';
import { call } from '../helpers/node-api.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { makeTestPki, writePem } from '../helpers/test-pki.js';
import { until } from '../helpers/until.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'require-tls', MESH_PASSWORD: 'require-tls-password' };
const UNTIL_LIMIT_MS = 30_000;

const running: NodeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

async function start(env: Record<string, string>): Promise<{ node: NodeProcess; port: number }> {
  const port = await freePort();
  const node = await NodeProcess.start({
    ...MESH,
    DATA_DIR: await tempDataDir(),
    MESH_PORT: String(port),
    ...env,
  });
  running.push(node);
  return { node, port };
}

async function add(node: NodeProcess, body: Record<string, unknown>): Promise<MeshNodeView> {
  const answer = await call(node, 'POST', '/api/mesh/nodes', body);
  expect(answer.status).toBe(201);
  return answer.body as MeshNodeView;
}

/** Waits until `node` lists the node at `port` in `state` (and `reason`), and returns it. */
function untilListed(node: NodeProcess, port: number, state: string, reason?: string): Promise<MeshNodeView> {
  return until(
    `127.0.0.1:${port} ${state} ${reason ?? ''}`,
    async () => {
      const answer = await call(node, 'GET', '/api/mesh/nodes');
      const entry = (answer.body as MeshNodeView[]).find((n) => n.port === port);
      const matches =
        entry?.status.state === state && (reason === undefined || entry.status.reason === reason);
      return matches ? entry : undefined;
    },
    UNTIL_LIMIT_MS,
  );
}

describe('a fixed node that requires TLS (requireTls through the admin API)', () => {
  it('refuses a TCP link to and from that node, while another node still links over TCP', async () => {
    const a = await start({ MESH_ENCRYPTION: 'starttls-optional' });
    const strict = await start({ MESH_ENCRYPTION: 'none' });
    const other = await start({ MESH_ENCRYPTION: 'none' });

    const strictOnA = await add(a.node, { host: '127.0.0.1', port: strict.port, requireTls: true });
    expect(strictOnA).toMatchObject({ group: 'fixed', requireTls: true });
    const otherOnA = await add(a.node, { host: '127.0.0.1', port: other.port });
    expect(otherOnA).toMatchObject({ requireTls: false });
    // Both others list A, so each dials it too: the refusal holds in both directions.
    await add(strict.node, { host: '127.0.0.1', port: a.port });
    await add(other.node, { host: '127.0.0.1', port: a.port });

    expect(await untilListed(a.node, other.port, 'connected')).toMatchObject({
      status: { transport: 'tcp' },
    });
    await untilListed(other.node, a.port, 'connected');
    const refused = await untilListed(a.node, strict.port, 'error', 'tls-required-local');
    expect(refused.status.message).toMatch(/requires TLS for this peer/);
    await untilListed(strict.node, a.port, 'error', 'tls-required-remote');
    // A's own setting is unchanged.
    expect((await call(a.node, 'GET', '/api/mesh')).body).toMatchObject({
      self: { encryption: 'starttls-optional' },
    });

    // Lifted: the two link over TCP.
    const lifted = await call(a.node, 'PATCH', `/api/mesh/nodes/${strictOnA.id}`, { requireTls: false });
    expect(lifted).toMatchObject({ status: 200, body: { requireTls: false } });
    expect(await untilListed(a.node, strict.port, 'connected')).toMatchObject({
      status: { transport: 'tcp' },
    });

    // Required again on a linked node: its TCP link is closed and refused from then on.
    const again = await call(a.node, 'PATCH', `/api/mesh/nodes/${strictOnA.id}`, { requireTls: true });
    expect(again).toMatchObject({ status: 200, body: { requireTls: true } });
    await untilListed(a.node, strict.port, 'error', 'tls-required-local');
    expect(await untilListed(a.node, other.port, 'connected')).toMatchObject({
      status: { transport: 'tcp' },
    });
  });

  it('refuses a TLS link whose certificate is not trusted, where both sides would accept it otherwise', async () => {
    const pki = await makeTestPki();
    const dir = await tempDataDir();
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, pki.ca.cert);
    const tlsEnv = async (name: string, trusted: boolean) => {
      const pair = await (trusted ? pki.issue(name) : pki.issueUntrusted(name));
      const { certFile, keyFile } = await writePem(dir, name, pair);
      return {
        MESH_ENCRYPTION: 'starttls-optional',
        MESH_TLS_CERT: certFile,
        MESH_TLS_KEY: keyFile,
        MESH_TLS_CA: caFile,
      };
    };
    const a = await start(await tlsEnv('a.test', true));
    const strict = await start(await tlsEnv('strict.test', false));
    const lax = await start(await tlsEnv('lax.test', false));

    await add(a.node, { host: '127.0.0.1', port: strict.port, requireTls: true });
    await add(a.node, { host: '127.0.0.1', port: lax.port });
    await add(strict.node, { host: '127.0.0.1', port: a.port });
    await add(lax.node, { host: '127.0.0.1', port: a.port });

    // Same certificates, no requirement: TLS that A does not verify, and says so.
    const laxLink = await untilListed(a.node, lax.port, 'connected');
    expect(laxLink.status).toMatchObject({
      transport: 'tls',
      tls: { peerTrusted: false, trustedByPeer: true },
    });
    expect((await untilListed(lax.node, a.port, 'connected')).status).toMatchObject({
      transport: 'tls',
      tls: { peerTrusted: true, trustedByPeer: false },
    });
    // …and a warning in the log of each side.
    await a.node.untilOutput(
      /TLS without verified certificates \(this node does not trust the peer's certificate\)/,
    );
    await lax.node.untilOutput(
      /TLS without verified certificates \(the peer does not trust this node's certificate\)/,
    );
    await untilListed(a.node, strict.port, 'error', 'certificate-untrusted');
    await untilListed(strict.node, a.port, 'error', 'certificate-untrusted');
  });

  it('answers bad input with 400, never 500, and sets both fields in one PATCH', async () => {
    const a = await start({});
    const deadPort = await freePort();
    for (const body of [
      { host: '127.0.0.1', port: deadPort, requireTls: 'yes' },
      { host: '127.0.0.1', port: deadPort, requireTls: null },
      { host: '127.0.0.1', port: deadPort, requireTls: 1 },
    ]) {
      const answer = await call(a.node, 'POST', '/api/mesh/nodes', body);
      expect(answer).toMatchObject({
        status: 400,
        body: { message: [expect.stringMatching(/^requireTls must be/)] },
      });
    }
    const added = await add(a.node, { host: '127.0.0.1', port: deadPort });
    const path = `/api/mesh/nodes/${added.id}`;
    expect(await call(a.node, 'PATCH', path, {})).toMatchObject({
      status: 400,
      body: { message: ['connect or requireTls must be given (true or false)'] },
    });
    expect(await call(a.node, 'PATCH', path, { requireTls: 'true' })).toMatchObject({
      status: 400,
      body: { message: ['requireTls must be true or false'] },
    });
    const both = await call(a.node, 'PATCH', path, { requireTls: true, connect: false });
    expect(both).toMatchObject({ status: 200, body: { requireTls: true, connect: false } });
    expect((await call(a.node, 'GET', '/api/mesh/nodes')).body).toEqual([
      expect.objectContaining({ id: added.id, requireTls: true, connect: false }),
    ]);
  });
});
