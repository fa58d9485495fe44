import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdminOptionsError } from '../../src/admin/admin-options.error.js';
import { startHostApp, type HostApp } from '../helpers/host-app.js';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text.js';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { until } from '../helpers/until.js';

let database: TestDatabaseServer;
/** `setGlobalPrefix('v1')`, AdminModule at `mesh`, the host's own health and metrics. */
let host: HostApp;
/** `setGlobalPrefix('v1')`, AdminModule with its defaults. */
let plain: HostApp;

beforeAll(async () => {
  database = await TestDatabaseServer.start();
  host = await startHostApp(database, { basePath: 'mesh', health: false, metrics: false });
  plain = await startHostApp(database, {});
});
afterAll(async () => {
  await host?.app.close();
  await plain?.app.close();
  await database?.stop();
});

interface Answer {
  status: number;
  type: string;
  location: string | null;
  text: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    location: response.headers.get('location'),
    text: await response.text(),
  };
}

async function call(app: HostApp, method: string, path: string, body?: unknown, raw?: string) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('AdminModule in a host app under setGlobalPrefix("v1") and basePath "mesh"', () => {
  it('serves the page, and the assets it names resolve under the prefix', async () => {
    const pageUrl = `${host.url}/v1/mesh/admin`;
    const page = await get(pageUrl);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(refs).toEqual(['admin/assets/favicon.svg', 'admin/assets/admin.css', 'admin/assets/admin.js']);
    for (const ref of refs) {
      const asset = await get(new URL(ref, pageUrl).href);
      expect([ref, asset.status]).toEqual([ref, 200]);
    }
    // `…/admin/` and `…/admin/index.html` send the browser to the page, relative to where it is.
    for (const other of ['/v1/mesh/admin/', '/v1/mesh/admin/index.html']) {
      const redirect = await get(`${host.url}${other}`);
      expect(redirect.status).toBe(301);
      expect(new URL(redirect.location ?? '', `${host.url}${other}`).href).toBe(pageUrl);
    }
    // Nothing is left at the root paths of before.
    for (const root of ['/admin', '/v1/admin', '/api/mesh', '/v1/api/mesh', '/health', '/metrics']) {
      expect([root, (await get(`${host.url}${root}`)).status]).toEqual([root, 404]);
    }
  });

  it('answers the admin API under the prefix, its errors in the API form', async () => {
    const mesh = await call(host, 'GET', '/v1/mesh/api/mesh');
    expect(mesh.status).toBe(200);
    expect(mesh.body).toMatchObject({ self: { port: host.meshPort } });
    const unauthorized = await fetch(`${host.url}/v1/mesh/api/mesh`);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(await call(host, 'PUT', '/v1/mesh/api/mesh/settings', undefined, '{"enabled":')).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: expect.any(String) },
    });
  });

  it('streams the node list’s changes (SSE) under the prefix', async () => {
    const stream = new AbortController();
    const events = await fetch(`${host.url}/v1/mesh/api/mesh/events`, {
      headers: { authorization: `Bearer ${host.token}`, accept: 'text/event-stream' },
      signal: stream.signal,
    });
    try {
      expect(events.status).toBe(200);
      expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
      const added = await call(host, 'POST', '/v1/mesh/api/mesh/nodes', {
        host: '127.0.0.1',
        port: plain.meshPort,
        connect: false,
      });
      expect(added.status).toBe(201);
      let received = '';
      await until(
        'node.added on the stream',
        async () => {
          const { value } = await reader.read();
          received += value ?? '';
          return received.includes('event: node.added') &&
            received.includes(`"id":"${String(added.body.id)}"`)
            ? true
            : undefined;
        },
        20_000,
      );
    } finally {
      stream.abort();
    }
  });

  it("leaves the host's own /api/* answers as the host makes them", async () => {
    expect(await call(host, 'POST', '/v1/api/calls', {})).toEqual({
      status: 400,
      body: { message: 'host rule', code: 7 },
    });
    // Over Nest's default body limit on a host route: Nest's answer, not the admin API's form.
    const tooLarge = await call(host, 'PUT', '/v1/api/calls/c1/data', { x: 'y'.repeat(200_000) });
    expect(tooLarge).toEqual({ status: 413, body: { statusCode: 413, message: 'request entity too large' } });
  });

  it('turns a CallDataValidationError escaping a host route into a 400 with CallDataValidationFilter', async () => {
    const tooLong = { note: 'y'.repeat(5000) };
    expect(await call(host, 'PUT', '/v1/api/calls/c1/data', tooLong)).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringContaining('4096')] },
    });
    expect(await call(host, 'PUT', '/v1/api/calls/c1/data', { note: 'fine' })).toMatchObject({
      status: 200,
      body: { callLinkageId: 'c1', fields: { note: 'fine' } },
    });
  });

  it("reports the mesh in the host's terminus /health and its metrics in the host's registry", async () => {
    const health = await get(`${host.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({
      status: 'ok',
      info: { host: { status: 'up' }, mesh: { status: 'up', port: host.meshPort } },
    });
    const metrics = await get(`${host.url}/v1/metrics`);
    expect(metrics.status).toBe(200);
    const samples = parsePrometheusText(metrics.text);
    expect(sampleSum(samples, 'host_orders_total')).toBe(0);
    // The node the SSE test added.
    expect(sampleSum(samples, 'ucmesh_links_by_state')).toBe(1);
    expect(sampleSum(samples, 'ucmesh_mesh_active')).toBe(1);
    expect(samples.some((sample) => sample.name.startsWith('ucmesh_calldata_'))).toBe(true);
    // The host's registry gets the mesh's metrics only: its process metrics are the host's choice.
    expect(samples.filter((sample) => sample.name.startsWith('process_'))).toEqual([]);
  });
});

describe('AdminModule with its defaults under setGlobalPrefix("v1")', () => {
  it('serves page, health and metrics under the prefix, as at the root before', async () => {
    expect((await get(`${plain.url}/v1/admin`)).status).toBe(200);
    expect((await get(`${plain.url}/v1/admin/assets/admin.js`)).type).toMatch(/^text\/javascript/);
    const health = JSON.parse((await get(`${plain.url}/v1/health`)).text) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, mesh: { status: 'up' } },
    });
    const metrics = await get(`${plain.url}/v1/metrics`);
    expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheusText(metrics.text);
    expect(sampleSum(samples, 'ucmesh_links')).toBe(0);
    expect(sampleSum(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect((await call(plain, 'GET', '/v1/api/mesh/nodes')).status).toBe(200);
  });
});

describe('AdminModule.forRootAsync options', () => {
  it("stops the host app at start when the factory's answer has a typo or a route option", async () => {
    const refused = startHostApp(database, {}, 'v1', { adminTokn: 'typo', basePath: 'mesh' });
    await expect(refused).rejects.toThrow(AdminOptionsError);
    await expect(refused).rejects.toThrow(
      'AdminModule: invalid options: unknown option "adminTokn"; allowed: adminToken, dataDir, registry, basePath, health, metrics; ' +
        'basePath shapes the routes: give it beside useFactory, not in what the factory returns',
    );
  });

  it('refuses a base path Nest would read as route syntax when the module is defined', async () => {
    await expect(startHostApp(database, { basePath: 'mesh/:id' })).rejects.toThrow(
      'AdminModule: invalid options: basePath must be path segments of letters, digits and . _ ~ - separated by /, got "mesh/:id"',
    );
  });
});
