import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, type NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { adminRoutes, fillPath } from './admin-routes.js';
import { call, nodeList, untilLinked } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import { NodeSet } from './node-set.js';
import { findSecret } from './secret-forms.js';

/** Routes anyone may call, as the contract has them: the page, health, metrics. */
const OPEN_ROUTES = [
  'GET /admin',
  'GET /admin/assets/:file',
  'GET /admin/index.html',
  'GET /health',
  'GET /metrics',
];
const DOCUMENTED_API_ROUTES = [
  'GET /api/mesh',
  'PUT /api/mesh/settings',
  'GET /api/mesh/nodes',
  'POST /api/mesh/nodes',
  'PATCH /api/mesh/nodes/:id',
  'POST /api/mesh/nodes/:id/pin',
  'DELETE /api/mesh/nodes/:id',
  'GET /api/mesh/events',
  'GET /api/license',
  'PUT /api/license',
  'PUT /api/calldata/:callLinkageId',
  'GET /api/calldata/:callLinkageId',
  'GET /api/calldata',
];
const PARAMS = { id: randomUUID(), callLinkageId: 'auth-probe', file: 'admin.js' };
const REQUEST_LIMIT_MS = 15_000;

const secrets = {
  tokenA: `admin-token-a-${randomUUID()}`,
  tokenB: `admin-token-b-${randomUUID()}`,
  tokenC: `admin-token-c-${randomUUID()}`,
  password: `mesh-pw-initial-${randomUUID()}`,
  changedPassword: `mesh-pw-changed-${randomUUID()}`,
  renamedPassword: `mesh-pw-renamed-${randomUUID()}`,
  wrongPassword: `mesh-pw-wrong-${randomUUID()}`,
  refusedPassword: `mesh-pw-refused-${randomUUID()}`,
};

const nodes = new NodeSet();
const dataDirs: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
let a: NodeProcess;
let b: NodeProcess;
let c: NodeProcess;
/** Every answer the nodes gave in these tests, searched for secrets along with the logs. */
const answers: string[] = [];

/** One request with exactly these headers; an event stream is cut off once its status is known. */
async function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
  });
  const streaming = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  if (streaming) await response.body?.cancel();
  const text = streaming ? '' : await response.text();
  answers.push(text);
  return { status: response.status, text };
}

async function settings(node: NodeProcess, token: string, change: unknown) {
  const answer = await call(node, 'PUT', '/api/mesh/settings', change, token);
  answers.push(JSON.stringify(answer.body));
  return answer;
}

/** Waits until `node` lists `peer` failed for `reason`. */
function untilFailed(node: NodeProcess, peer: NodeProcess, token: string, reason: string) {
  return until(`${node.nodeId} sees ${peer.nodeId} fail with ${reason}`, async () => {
    const entry = (await nodeList(node, token)).find(
      (e) => e.nodeId === peer.nodeId || e.port === port(peer),
    );
    return entry?.status.state === 'error' && entry.status.reason === reason ? entry : undefined;
  });
}

const ports = { a: 0, b: 0, c: 0 };
function port(node: NodeProcess): number {
  return node === a ? ports.a : node === b ? ports.b : ports.c;
}

/** Every regular file under `dir`, for secrets at rest (the database's files included). */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) files.set(path, await readFile(path));
  }
  return files;
}

describe('admin token and mesh password: never logged, every /api route guarded', () => {
  beforeAll(async () => {
    ports.a = await freePort();
    ports.b = await freePort();
    ports.c = await freePort();
    for (const side of ['a', 'b', 'c'] as const) dataDirs[side] = await tempDataDir();
    const mesh = { MESH_ID: 'secrets-logs', MESH_ENCRYPTION: 'starttls-optional' };
    [a, b] = await Promise.all([
      // A lists C too: a node it does not list would be refused before the password is checked.
      nodes.start({
        ...mesh,
        DATA_DIR: dataDirs.a,
        ADMIN_TOKEN: secrets.tokenA,
        MESH_PASSWORD: secrets.password,
        MESH_PORT: String(ports.a),
        MESH_PEERS: `127.0.0.1:${ports.b},127.0.0.1:${ports.c}`,
      }),
      nodes.start({
        ...mesh,
        DATA_DIR: dataDirs.b,
        ADMIN_TOKEN: secrets.tokenB,
        MESH_PASSWORD: secrets.password,
        MESH_PORT: String(ports.b),
        MESH_PEERS: `127.0.0.1:${ports.a}`,
      }),
    ]);
    await untilLinked(a, [b], secrets.tokenA);
  });
  afterAll(async () => {
    await nodes.stopAll();
  });

  it('answers 401 on every /api route without the token or with a wrong one; the rest stays open', async () => {
    const routes = await adminRoutes();
    const isOpen = (route: { path: string }) => !route.path.startsWith('/api/');
    expect(
      routes
        .filter(isOpen)
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    ).toEqual(OPEN_ROUTES);
    const guarded = routes.filter((route) => !isOpen(route));
    // The enumeration finds at least the routes the README documents.
    expect(guarded.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(DOCUMENTED_API_ROUTES),
    );

    const wrong: Array<[string, Record<string, string>, string?]> = [
      ['no Authorization', {}],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['a random token', { authorization: `Bearer ${randomUUID()}` }],
      ['the token minus its last character', { authorization: `Bearer ${secrets.tokenA.slice(0, -1)}` }],
      ['the token with one more character', { authorization: `Bearer ${secrets.tokenA}x` }],
      ['the token in upper case', { authorization: `Bearer ${secrets.tokenA.toUpperCase()}` }],
      ['another node’s token', { authorization: `Bearer ${secrets.tokenB}` }],
      ['the token without the scheme', { authorization: secrets.tokenA }],
      [
        'the token as Basic',
        { authorization: `Basic ${Buffer.from(`admin:${secrets.tokenA}`).toString('base64')}` },
      ],
      ['the token in the query', {}, `access_token=${secrets.tokenA}&token=${secrets.tokenA}`],
    ];
    const problems: string[] = [];
    for (const route of guarded) {
      const path = fillPath(route.path, PARAMS);
      const body = ['PUT', 'POST', 'PATCH'].includes(route.method) ? {} : undefined;
      for (const [what, headers, query] of wrong) {
        const url = `${a.httpUrl}${path}${query ? `?${query}` : ''}`;
        const answer = await request(url, route.method, headers, body);
        if (answer.status !== 401)
          problems.push(`${route.method} ${route.path} with ${what}: ${answer.status}`);
        else expect(JSON.parse(answer.text)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      // Other spellings of the path (Express matches case-insensitively, with a trailing slash)
      // and HEAD for a GET: refused, or no route at all; never answered without the token.
      const spellings = [path.toUpperCase(), `${path}/`, `/${path}`];
      const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
      for (const spelling of spellings) {
        for (const method of methods) {
          const answer = await request(`${a.httpUrl}${spelling}`, method, {}, body);
          if (answer.status !== 401 && answer.status !== 404) {
            problems.push(`${method} ${spelling} without a token: ${answer.status}`);
          }
        }
      }
      // The control: the right token gets past the guard (to a 200, or a 400/404 for the probe's
      // body and IDs).
      const right = await request(
        `${a.httpUrl}${path}`,
        route.method,
        { authorization: `Bearer ${secrets.tokenA}` },
        body,
      );
      if (right.status === 401 || right.status >= 500) {
        problems.push(`${route.method} ${route.path} with the right token: ${right.status} ${right.text}`);
      }
    }
    expect(problems).toEqual([]);

    for (const route of routes.filter(isOpen)) {
      const answer = await request(`${a.httpUrl}${fillPath(route.path, PARAMS)}`, route.method, {});
      expect([route.path, answer.status]).toEqual([
        route.path,
        route.path === '/admin/index.html' ? 301 : 200,
      ]);
    }
  });

  it('keeps working through settings changes, a password change, wrong passwords and bad requests', async () => {
    const bad: unknown[] = [
      { password: '' },
      { password: 42 },
      { password: 'x'.repeat(257) },
      { meshId: 'secrets-logs-other' },
      { passwd: secrets.refusedPassword },
      { password: secrets.refusedPassword, unknown: true },
      { password: secrets.refusedPassword, enabled: 'yes' },
    ];
    for (const change of bad) expect((await settings(a, secrets.tokenA, change)).status).toBe(400);

    // A password change on A only: B no longer gets in, until it changes too.
    const changed = await settings(a, secrets.tokenA, { password: secrets.changedPassword });
    expect(changed).toMatchObject({ status: 200, body: { passwordSet: true } });
    await untilFailed(b, a, secrets.tokenB, 'password-mismatch');
    expect((await settings(b, secrets.tokenB, { password: secrets.changedPassword })).status).toBe(200);
    await untilLinked(a, [b], secrets.tokenA);

    // A new mesh ID with its password on both, then the other settings.
    const renamed = { meshId: 'secrets-logs-renamed', password: secrets.renamedPassword };
    expect((await settings(a, secrets.tokenA, renamed)).status).toBe(200);
    expect((await settings(b, secrets.tokenB, renamed)).status).toBe(200);
    expect((await settings(a, secrets.tokenA, { discoveryIntervalMs: 2000 })).status).toBe(200);
    await untilLinked(a, [b], secrets.tokenA);
    await untilLinked(b, [a], secrets.tokenB);

    // Last, as failed handshakes count against the address (all nodes here dial from 127.0.0.1):
    // C with the wrong password. Both sides say so; neither says the password.
    c = await nodes.start({
      MESH_ID: renamed.meshId,
      DATA_DIR: dataDirs.c,
      ADMIN_TOKEN: secrets.tokenC,
      MESH_PASSWORD: secrets.wrongPassword,
      MESH_PORT: String(ports.c),
      MESH_PEERS: `127.0.0.1:${ports.a}`,
    });
    await untilFailed(a, c, secrets.tokenA, 'password-mismatch');
    await untilFailed(c, a, secrets.tokenC, 'password-mismatch');

    // A CallData PUT with a bad body and one with a good one.
    expect((await call(a, 'PUT', '/api/calldata/logs-call', { fields: 'x' }, secrets.tokenA)).status).toBe(
      400,
    );
    expect(
      (await call(a, 'PUT', '/api/calldata/logs-call', { fields: { k: 'v' } }, secrets.tokenA)).status,
    ).toBe(200);
  });

  it('logs none of the secrets from start to stop, nor answers with them, nor stores them', async () => {
    const exits = await nodes.stopAll();
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
    const logs = new Map(exits.map(({ node }) => [`the log of ${node.nodeId}`, Buffer.from(node.output)]));
    // The logs did record the events around the secrets: the refused links, the changed settings.
    const all = [...logs.values()].join('\n');
    expect(all).toMatch(/password-mismatch/);
    expect(all).toMatch(/credentials=changed/);

    const databasePasswords = await Promise.all(
      Object.values(dataDirs).map(async (dir) =>
        (await readFile(join(dir, 'postgres-password'), 'utf8')).trim(),
      ),
    );
    const everySecret = [...Object.values(secrets), ...databasePasswords];
    const answered = new Map([['the answers', Buffer.from(answers.join('\n'))]]);
    for (const secret of everySecret) expect([secret, findSecret(secret, logs)]).toEqual([secret, []]);
    // The answers have the tokens the tests sent in the query string nowhere either.
    for (const secret of everySecret) expect([secret, findSecret(secret, answered)]).toEqual([secret, []]);

    // At rest: the admin token came from the environment and the mesh password is kept as derived
    // keys only, so neither is in any file of DATA_DIR, the database's included.
    for (const dir of Object.values(dataDirs)) {
      const files = await filesUnder(dir);
      expect(files.size).toBeGreaterThan(10);
      for (const secret of Object.values(secrets))
        expect([secret, findSecret(secret, files)]).toEqual([secret, []]);
    }
  });
});
