import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { parsePrometheusText, type Sample, sampleSum } from '../helpers/prometheus-text.js';
import { until } from '../helpers/until.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'metrics-health', MESH_PASSWORD: 'metrics-health-password' };
const PUTS = 10;
const VALUE_LENGTH = 1000;

interface Health {
  status: string;
  info: Record<string, Record<string, unknown>>;
  error: Record<string, unknown>;
  details: Record<string, Record<string, unknown>>;
}

const running: NodeProcess[] = [];
async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({ DATA_DIR: await tempDataDir(), ...env });
  running.push(node);
  return node;
}

/** `GET /metrics` without a token: the status, the Content-Type and the samples. */
async function metrics(
  node: NodeProcess,
): Promise<{ status: number; type: string | null; samples: Sample[] }> {
  const response = await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    samples: parsePrometheusText(text),
  };
}

async function sample(node: NodeProcess, name: string, labels: Record<string, string> = {}) {
  return sampleSum((await metrics(node)).samples, name, labels);
}

async function health(node: NodeProcess): Promise<{ status: number; body: Health }> {
  const answer = await node.api('/health');
  return { status: answer.status, body: answer.body as Health };
}

function call(node: NodeProcess, method: string, path: string, body?: unknown) {
  return node.api(path, { method, body, token: node.adminToken });
}

/** Waits until a metric (summed over the series matching `labels`) satisfies `accept`. */
function untilSample(
  node: NodeProcess,
  name: string,
  labels: Record<string, string>,
  accept: (value: number) => boolean,
): Promise<number> {
  return until(`${name}${JSON.stringify(labels)}`, async () => {
    const value = await sample(node, name, labels);
    return value !== undefined && accept(value) ? value : undefined;
  });
}

describe('GET /metrics and GET /health of two linked nodes', () => {
  let a: NodeProcess;
  let b: NodeProcess;
  const ports = { a: 0, b: 0 };

  beforeAll(async () => {
    ports.a = await freePort();
    ports.b = await freePort();
    [a, b] = await Promise.all([
      start({ ...MESH, MESH_PORT: String(ports.a), MESH_PEERS: `127.0.0.1:${ports.b}` }),
      start({ ...MESH, MESH_PORT: String(ports.b), MESH_PEERS: `127.0.0.1:${ports.a}` }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
  });

  it('answers Prometheus text without a token', async () => {
    const answer = await metrics(a);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleSum(answer.samples, 'ucmesh_mesh_active')).toBe(1);
    expect(sampleSum(answer.samples, 'ucmesh_mesh_enabled')).toBe(1);
    // The evaluation license: two connections.
    expect(sampleSum(answer.samples, 'ucmesh_license_connections')).toBe(2);
    expect(sampleSum(answer.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts the link as connected on both nodes once they are linked', async () => {
    for (const node of [a, b]) {
      await untilSample(node, 'ucmesh_links_by_state', { state: 'connected' }, (n) => n === 1);
      const { samples } = await metrics(node);
      expect(sampleSum(samples, 'ucmesh_links')).toBe(1);
      expect(sampleSum(samples, 'ucmesh_links_by_state')).toBe(1); // one node in the list, connected
    }
  });

  it('counts messages and bytes over the link, and the replication lag on the receiving node', async () => {
    const out = async (name: string) => (await sample(a, name, { direction: 'out' })) ?? 0;
    const into = async (name: string) => (await sample(b, name, { direction: 'in' })) ?? 0;
    const before = {
      messagesOut: await out('ucmesh_link_messages_total'),
      bytesOut: await out('ucmesh_link_bytes_total'),
      messagesIn: await into('ucmesh_link_messages_total'),
      bytesIn: await into('ucmesh_link_bytes_total'),
      lagCount: (await sample(b, 'ucmesh_calldata_replication_lag_seconds_count')) ?? 0,
      changesIn: await into('ucmesh_calldata_changes_total'),
    };
    expect(before.lagCount).toBe(0); // nothing was replicated yet

    for (let i = 0; i < PUTS; i++) {
      const answer = await call(a, 'PUT', `/api/calldata/metrics-${i}`, {
        fields: { k: 'v', note: `${i}`.padEnd(VALUE_LENGTH, '.') },
      });
      expect(answer.status).toBe(200);
    }

    // Every change carries its value across the link, whatever else (heartbeats) goes with it.
    await untilSample(b, 'ucmesh_calldata_replication_lag_seconds_count', {}, (n) => n >= PUTS);
    expect(await out('ucmesh_link_bytes_total')).toBeGreaterThanOrEqual(
      before.bytesOut + PUTS * VALUE_LENGTH,
    );
    expect(await into('ucmesh_link_bytes_total')).toBeGreaterThanOrEqual(
      before.bytesIn + PUTS * VALUE_LENGTH,
    );
    expect(await out('ucmesh_link_messages_total')).toBeGreaterThan(before.messagesOut);
    expect(await into('ucmesh_link_messages_total')).toBeGreaterThan(before.messagesIn);
    expect(await into('ucmesh_calldata_changes_total')).toBe(before.changesIn + PUTS);
    expect(await out('ucmesh_calldata_changes_total')).toBe(PUTS);

    const { samples } = await metrics(b);
    expect(sampleSum(samples, 'ucmesh_calldata_replication_lag_seconds_count')).toBe(PUTS);
    expect(sampleSum(samples, 'ucmesh_calldata_replication_lag_seconds_bucket', { le: '+Inf' })).toBe(PUTS);
    expect(sampleSum(samples, 'ucmesh_calldata_replication_lag_seconds_sum')).toBeGreaterThanOrEqual(0);
    // A's own changes are not replicated to itself.
    expect(await sample(a, 'ucmesh_calldata_replication_lag_seconds_count')).toBe(0);
  });

  it('reports the mesh in /health: up, with its details', async () => {
    const answer = await health(a);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ok');
    expect(answer.body.info.database).toMatchObject({ status: 'up' });
    expect(answer.body.info.mesh).toEqual({
      status: 'up',
      enabled: true,
      licensed: true,
      active: true,
      links: 1,
      port: ports.a,
    });
  });

  it('counts a handshake that fails for a wrong password, by reason, on both sides', async () => {
    const cPort = await freePort();
    // Listed at A, so A lets it as far as the authentication (and dials it too).
    const added = await call(a, 'POST', '/api/mesh/nodes', { host: '127.0.0.1', port: cPort });
    expect(added.status).toBe(201);
    const c = await start({
      ...MESH,
      MESH_PASSWORD: 'not-the-password',
      MESH_PORT: String(cPort),
      MESH_PEERS: `127.0.0.1:${ports.a}`,
    });
    await untilSample(c, 'ucmesh_handshake_failures_total', { reason: 'password-mismatch' }, (n) => n >= 1);
    await untilSample(a, 'ucmesh_handshake_failures_total', { reason: 'password-mismatch' }, (n) => n >= 1);
    // Outbound at C (it dialled A); at A inbound (C's dial) or outbound (A's dial of C).
    expect(
      await sample(c, 'ucmesh_handshake_failures_total', {
        reason: 'password-mismatch',
        direction: 'outbound',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Stopped at once: A blocks an address after ten failed handshakes a minute, and B shares it.
    await c.stop();
    expect(await sample(a, 'ucmesh_links')).toBe(1); // the link to B is unaffected
  });

  it('stays up in /health when the administrator disables the mesh: a setting, not a fault', async () => {
    const changed = await call(b, 'PUT', '/api/mesh/settings', { enabled: false });
    expect(changed.status).toBe(200);
    const statuses: number[] = [];
    const answer = await until('the link closed', async () => {
      const current = await health(b);
      statuses.push(current.status);
      return current.body.info.mesh?.links === 0 ? current : undefined;
    });
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(answer.body.status).toBe('ok');
    expect(answer.body.info.mesh).toEqual({
      status: 'up',
      enabled: false,
      licensed: true,
      active: false,
      links: 0,
      port: ports.b,
    });
    const { samples } = await metrics(b);
    expect(sampleSum(samples, 'ucmesh_mesh_enabled')).toBe(0);
    expect(sampleSum(samples, 'ucmesh_mesh_active')).toBe(0);
    expect(sampleSum(samples, 'ucmesh_links')).toBe(0);
    expect(sampleSum(samples, 'ucmesh_links_by_state', { state: 'connected' })).toBe(0);
  });
});
