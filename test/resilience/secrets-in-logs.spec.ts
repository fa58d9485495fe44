import { afterEach, describe, expect, it } from '@jest/globals';
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

const nodes = new NodeSet();

/** One request with exactly these headers; an event stream is cut off once its status is known. */
async function request(
  answers: string[],
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

/** Waits until `node` lists the peer with this node ID or mesh port as failed for `reason`. */
function untilFailed(
  node: NodeProcess,
  peer: { nodeId: string; port: number },
  token: string,
  reason: string,
) {
  return until(`${node.nodeId} sees ${peer.nodeId} fail with ${reason}`, async () => {
    const entry = (await nodeList(node, token)).find((e) => e.nodeId === peer.nodeId || e.port === peer.port);
    return entry?.status.state === 'error' && entry.status.reason === reason ? entry : undefined;
  });
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

/**
 * Stops every node, then requires clean exits and none of `secrets` (nor a database password) in
 * their logs, in `answers`, or in any file of `dataDirs`. Returns the logs, one text.
 */
async function expectSecretsKept(secrets: string[], answers: string[], dataDirs: string[]): Promise<string> {
  const exits = await nodes.stopAll();
  expect(exits.map((exit) => exit.code)).toEqual(exits.map(() => 0));
  const logs = new Map(exits.map(({ node }) => [`the log of ${node.nodeId}`, Buffer.from(node.output)]));
  const databasePasswords = await Promise.all(
    dataDirs.map(async (dir) => (await readFile(join(dir, 'postgres-password'), 'utf8')).trim()),
  );
  const everySecret = [...secrets, ...databasePasswords];
  const answered = new Map([['the answers', Buffer.from(answers.join('\n'))]]);
  for (const secret of everySecret) expect([secret, findSecret(secret, logs)]).toEqual([secret, []]);
  // The answers have the tokens the tests sent in the query string nowhere either.
  for (const secret of everySecret) expect([secret, findSecret(secret, answered)]).toEqual([secret, []]);
  // At rest: the admin token came from the environment and the mesh password is kept as derived
  // keys only, so neither is in any file of DATA_DIR, the database's included.
  for (const dir of dataDirs) {
    const files = await filesUnder(dir);
    expect(files.size).toBeGreaterThan(10);
    for (const secret of secrets) expect([secret, findSecret(secret, files)]).toEqual([secret, []]);
  }
  return [...logs.values()].join('\n');
}

describe('admin token and mesh password: never logged, every /api route guarded', () => {
  // Each test starts its own nodes; this stops what a failed test left running.
  afterEach(async () => {
    await nodes.stopAll();
  });

  it('answers 401 on every /api route without the token or with a wrong one, the rest stays open, and the probes leave no token behind', async () => {
    const token = `admin-token-${randomUUID()}`;
    const otherToken = `admin-token-other-${randomUUID()}`;
    const password = `mesh-pw-${randomUUID()}`;
    const dataDir = await tempDataDir();
    const node = await nodes.start({
      MESH_ID: 'secrets-routes',
      DATA_DIR: dataDir,
      ADMIN_TOKEN: token,
      MESH_PASSWORD: password,
      MESH_PORT: String(await freePort()),
    });
    const answers: string[] = [];

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
      ['the token minus its last character', { authorization: `Bearer ${token.slice(0, -1)}` }],
      ['the token with one more character', { authorization: `Bearer ${token}x` }],
      ['the token in upper case', { authorization: `Bearer ${token.toUpperCase()}` }],
      ['another node’s token', { authorization: `Bearer ${otherToken}` }],
      ['the token without the scheme', { authorization: token }],
      ['the token as Basic', { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }],
      ['the token in the query', {}, `access_token=${token}&token=${token}`],
    ];
    const problems: string[] = [];
    for (const route of guarded) {
      const path = fillPath(route.path, PARAMS);
      const body = ['PUT', 'POST', 'PATCH'].includes(route.method) ? {} : undefined;
      for (const [what, headers, query] of wrong) {
        const url = `${node.httpUrl}${path}${query ? `?${query}` : ''}`;
        const answer = await request(answers, url, route.method, headers, body);
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
          const answer = await request(answers, `${node.httpUrl}${spelling}`, method, {}, body);
          if (answer.status !== 401 && answer.status !== 404) {
            problems.push(`${method} ${spelling} without a token: ${answer.status}`);
          }
        }
      }
      // The control: the right token gets past the guard (to a 200, or a 400/404 for the probe's
      // body and IDs).
      const right = await request(
        answers,
        `${node.httpUrl}${path}`,
        route.method,
        { authorization: `Bearer ${token}` },
        body,
      );
      if (right.status === 401 || right.status >= 500) {
        problems.push(`${route.method} ${route.path} with the right token: ${right.status} ${right.text}`);
      }
    }
    expect(problems).toEqual([]);

    for (const route of routes.filter(isOpen)) {
      const answer = await request(
        answers,
        `${node.httpUrl}${fillPath(route.path, PARAMS)}`,
        route.method,
        {},
      );
      expect([route.path, answer.status]).toEqual([
        route.path,
        route.path === '/admin/index.html' ? 301 : 200,
      ]);
    }

    // Wrong tokens are logged as refusals, never by their value.
    await expectSecretsKept([token, otherToken, password], answers, [dataDir]);
  });

  it('logs, answers and stores none of the secrets through settings changes, a password change, wrong passwords and bad requests', async () => {
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
    const ports = { a: await freePort(), b: await freePort(), c: await freePort() };
    const dataDirs = { a: await tempDataDir(), b: await tempDataDir(), c: await tempDataDir() };
    const answers: string[] = [];
    const settings = async (node: NodeProcess, token: string, change: unknown) => {
      const answer = await call(node, 'PUT', '/api/mesh/settings', change, token);
      answers.push(JSON.stringify(answer.body));
      return answer;
    };

    const mesh = { MESH_ID: 'secrets-logs', MESH_ENCRYPTION: 'starttls-optional' };
    const [a, b] = await Promise.all([
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

    // A password change on A only, without a grace period: B no longer gets in, until it changes too.
    const changed = await settings(a, secrets.tokenA, {
      password: secrets.changedPassword,
      passwordGraceMs: 0,
    });
    expect(changed).toMatchObject({ status: 200, body: { passwordSet: true } });
    await untilFailed(b, { nodeId: a.nodeId, port: ports.a }, secrets.tokenB, 'password-mismatch');
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
    const c = await nodes.start({
      MESH_ID: renamed.meshId,
      DATA_DIR: dataDirs.c,
      ADMIN_TOKEN: secrets.tokenC,
      MESH_PASSWORD: secrets.wrongPassword,
      MESH_PORT: String(ports.c),
      MESH_PEERS: `127.0.0.1:${ports.a}`,
    });
    await untilFailed(a, { nodeId: c.nodeId, port: ports.c }, secrets.tokenA, 'password-mismatch');
    await untilFailed(c, { nodeId: a.nodeId, port: ports.a }, secrets.tokenC, 'password-mismatch');

    // A CallData PUT with a bad body and one with a good one.
    expect((await call(a, 'PUT', '/api/calldata/logs-call', { fields: 'x' }, secrets.tokenA)).status).toBe(
      400,
    );
    expect(
      (await call(a, 'PUT', '/api/calldata/logs-call', { fields: { k: 'v' } }, secrets.tokenA)).status,
    ).toBe(200);

    const logs = await expectSecretsKept(Object.values(secrets), answers, Object.values(dataDirs));
    // The logs did record the events around the secrets: the refused links, the changed settings.
    expect(logs).toMatch(/password-mismatch/);
    expect(logs).toMatch(/credentials=changed/);
  });
});
