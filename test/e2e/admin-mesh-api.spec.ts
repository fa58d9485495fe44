import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { call } from '../helpers/node-api.js';
import { closedPort, freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { until } from '../helpers/until.js';
import { LINK_HINTS } from '../../src/mesh/index.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'admin-api', MESH_PASSWORD: 'admin-api-password' };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const UNTIL_LIMIT_MS = 30_000;
/** Names every object has through its prototype, which a check by property lookup lets through. */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

type Node = MeshNodeView;
interface ErrorAnswer {
  statusCode: number;
  error: string;
  message: string | string[];
}

const running: NodeProcess[] = [];
async function start(env: Record<string, string>): Promise<NodeProcess> {
  const node = await NodeProcess.start({ ...MESH, ...env });
  running.push(node);
  return node;
}
async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
}

async function nodes(node: NodeProcess): Promise<Node[]> {
  const answer = await call(node, 'GET', '/api/mesh/nodes');
  expect(answer.status).toBe(200);
  return answer.body as Node[];
}

async function addNode(node: NodeProcess, body: { host: string; port: number; connect?: boolean }) {
  const answer = await call(node, 'POST', '/api/mesh/nodes', body);
  expect(answer.status).toBe(201);
  return answer.body as Node;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A loopback port nothing listens on: a fixed node there stays unreachable, no traffic leaves.
 * Outside the ports handed out for port 0, so no node started meanwhile takes it.
 */
const deadPort = closedPort;

/** Waits until `node` lists the node at `port` in `state` (and `reason`), and returns it. */
function untilListed(node: NodeProcess, port: number, state: string, reason?: string): Promise<Node> {
  return until(
    `127.0.0.1:${port} ${state} ${reason ?? ''}`,
    async () => {
      const entry = (await nodes(node)).find((n) => n.port === port);
      const matches =
        entry?.status.state === state && (reason === undefined || entry.status.reason === reason);
      return matches ? entry : undefined;
    },
    UNTIL_LIMIT_MS,
  );
}

function expectBadRequestNaming(answer: { status: number; body: unknown }, field: string): void {
  expect(answer.status).toBe(400);
  const body = answer.body as ErrorAnswer;
  expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(Array) });
  expect(body.message).toHaveLength(1);
  expect(body.message[0]).toMatch(new RegExp(`^(property )?${field}\\b`));
}

describe('the mesh admin API on one node', () => {
  let node: NodeProcess;

  beforeAll(async () => {
    node = await NodeProcess.start({ ...MESH, DATA_DIR: await tempDataDir() });
  });
  afterAll(async () => {
    await node.stop();
  });

  const routes: Array<[string, string]> = [
    ['GET', '/api/mesh'],
    ['PUT', '/api/mesh/settings'],
    ['GET', '/api/mesh/nodes'],
    ['POST', '/api/mesh/nodes'],
    ['PATCH', `/api/mesh/nodes/${UNKNOWN_ID}`],
    ['POST', `/api/mesh/nodes/${UNKNOWN_ID}/pin`],
    ['DELETE', `/api/mesh/nodes/${UNKNOWN_ID}`],
    ['GET', '/api/mesh/events'],
  ];
  it.each(routes)('answers 401 to %s %s without a token and with a wrong one', async (method, path) => {
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? {} : undefined;
    const missing = await node.api(path, { method, body });
    expect(missing).toEqual({
      status: 401,
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Authorization: Bearer <admin token> is required',
      },
    });
    const wrong = await node.api(path, { method, body, token: 'not-the-admin-token' });
    expect(wrong).toEqual({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'The admin token is wrong' },
    });
  });

  it('shows the settings and this node, never the password', async () => {
    const answer = await call(node, 'GET', '/api/mesh');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      enabled: true,
      active: true,
      licensed: true,
      meshId: 'admin-api',
      passwordSet: true,
      passwordGraceMs: 3_600_000,
      passwordRotation: { active: false, until: null, onNew: 0, linked: 0 },
      discovery: false,
      discoveryIntervalMs: 5000,
      acceptUnknown: true,
      self: {
        nodeId: node.nodeId,
        host: '127.0.0.1',
        port: expect.any(Number),
        encryption: 'starttls-optional',
      },
      links: 0,
      // Alone, only its own version runs.
      versions: { software: [expect.stringMatching(/^uc-mesh\/\d+\.\d+\.\d+/)], mixed: false },
    });
    expect(node.output).toContain(`mesh: 127.0.0.1:${(answer.body as { self: { port: number } }).self.port}`);
    expect(JSON.stringify(answer.body)).not.toContain(MESH.MESH_PASSWORD);
  });

  it('changes settings and answers the new overview; an empty body changes nothing', async () => {
    const before = (await call(node, 'GET', '/api/mesh')).body;
    expect(await call(node, 'PUT', '/api/mesh/settings', {})).toEqual({ status: 200, body: before });

    const changed = await call(node, 'PUT', '/api/mesh/settings', {
      meshId: 'admin-api-2',
      password: 'another-password',
      discoveryIntervalMs: 1500,
      enabled: false,
      acceptUnknown: false,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      enabled: false,
      active: false,
      meshId: 'admin-api-2',
      passwordSet: true,
      discovery: false,
      discoveryIntervalMs: 1500,
      acceptUnknown: false,
    });
    expect(JSON.stringify(changed.body)).not.toContain('another-password');
    expect((await call(node, 'GET', '/api/mesh')).body).toEqual(changed.body);

    const restored = await call(node, 'PUT', '/api/mesh/settings', {
      enabled: true,
      meshId: MESH.MESH_ID,
      password: MESH.MESH_PASSWORD,
      discoveryIntervalMs: 5000,
      acceptUnknown: true,
    });
    expect(restored).toEqual({ status: 200, body: before });
  });

  it.each([
    ['enabled', { enabled: 'true' }],
    ['enabled', { enabled: null }],
    ['meshId', { meshId: '' }],
    ['meshId', { meshId: 'x'.repeat(129), password: 'p' }],
    ['meshId', { meshId: 7 }],
    ['password', { password: '' }],
    ['password', { password: 'p'.repeat(257) }],
    ['discovery', { discovery: 1 }],
    ['acceptUnknown', { acceptUnknown: 'yes' }],
    ['discoveryIntervalMs', { discoveryIntervalMs: 499 }],
    ['discoveryIntervalMs', { discoveryIntervalMs: 3_600_001 }],
    ['discoveryIntervalMs', { discoveryIntervalMs: 1000.5 }],
    ['discoveryIntervalMs', { discoveryIntervalMs: '5000' }],
    ['colour', { colour: 'green' }],
    // The key is derived from both: a new mesh ID alone cannot be applied.
    ['password', { meshId: 'another-mesh' }],
    ['body', []],
  ])('refuses settings with a bad %s: %j', async (field, body) => {
    const before = (await call(node, 'GET', '/api/mesh')).body;
    expectBadRequestNaming(await call(node, 'PUT', '/api/mesh/settings', body), field);
    expect((await call(node, 'GET', '/api/mesh')).body).toEqual(before);
  });

  it('answers a malformed JSON body with 400', async () => {
    const response = await fetch(`${node.httpUrl}/api/mesh/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json' },
      body: '{"enabled": tru',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.any(String),
    });
  });

  it.each([
    ['PUT', '/api/mesh/settings', '"discovery":false'],
    ['POST', '/api/mesh/nodes', '"host":"127.0.0.1","port":7222,"connect":false'],
    ['PATCH', `/api/mesh/nodes/${UNKNOWN_ID}`, '"connect":false'],
    ['PUT', '/api/license', '"token":"x"'],
  ])('%s %s refuses every unknown key, prototype names included, naming it', async (method, path, valid) => {
    const before = (await call(node, 'GET', '/api/mesh')).body;
    const listed = await nodes(node);
    const answers: Array<{ key: string; status: number; body: unknown }> = [];
    for (const key of PROTOTYPE_NAMES) {
      // Raw text: JSON.parse makes `__proto__` an own key, as a client's JSON body does.
      const response = await fetch(`${node.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json' },
        body: `{${valid},${JSON.stringify(key)}:1}`,
      });
      answers.push({ key, status: response.status, body: await response.json() });
    }
    expect(answers).toEqual(
      PROTOTYPE_NAMES.map((key) => ({
        key,
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: [`property ${key} should not exist`] },
      })),
    );
    // Nothing was applied on the way.
    expect((await call(node, 'GET', '/api/mesh')).body).toEqual(before);
    expect(await nodes(node)).toEqual(listed);
  });

  it('adds a fixed node (201), refuses a bad port or host naming it, and a second one at that address (409)', async () => {
    const port = await deadPort();
    const added = await addNode(node, { host: 'LocalHost', port, connect: false });
    expect(added).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      nodeId: null,
      host: 'localhost',
      port,
      group: 'fixed',
      connect: false,
      requireTls: false,
      status: expect.objectContaining({ state: 'disabled' }),
    });
    expect(await nodes(node)).toContainEqual(expect.objectContaining({ id: added.id }));

    const duplicate = await call(node, 'POST', '/api/mesh/nodes', { host: 'localhost', port });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({ statusCode: 409, error: 'Conflict', message: expect.any(String) });

    for (const [field, body] of [
      ['port', { host: '127.0.0.1', port: 0 }],
      ['port', { host: '127.0.0.1', port: 65536 }],
      ['port', { host: '127.0.0.1', port: '7222' }],
      ['port', { host: '127.0.0.1', port: 7222.5 }],
      ['port', { host: '127.0.0.1' }],
      ['host', { host: '', port: 7222 }],
      ['host', { host: 'two words', port: 7222 }],
      ['host', { host: 'uc1:7222', port: 7222 }],
      ['host', { host: 'a'.repeat(254), port: 7222 }],
      ['host', { host: '300.1.1.1', port: 7222 }],
      ['host', { port: 7222 }],
      ['connect', { host: '127.0.0.1', port: 7222, connect: 'yes' }],
      ['group', { host: '127.0.0.1', port: 7222, group: 'discovered' }],
    ] as const) {
      expectBadRequestNaming(await call(node, 'POST', '/api/mesh/nodes', body), field);
    }
    // IPv6 addresses have colons; they are addresses all the same.
    const v6 = await addNode(node, { host: '::1', port, connect: false });
    expect(v6).toMatchObject({ host: '::1', group: 'fixed' });
    expect(await call(node, 'DELETE', `/api/mesh/nodes/${v6.id}`)).toEqual({ status: 204, body: '' });
  });

  it.each([
    ['PATCH', '/api/mesh/nodes/%s', { connect: true }],
    ['POST', '/api/mesh/nodes/%s/pin', undefined],
    ['DELETE', '/api/mesh/nodes/%s', undefined],
    ['GET', '/api/mesh/nodes/%s/history', undefined],
  ])('%s %s: 400 naming id for a non-UUID, 404 for an unknown one', async (method, path, body) => {
    for (const id of ['abc', '123', `${UNKNOWN_ID}x`]) {
      expectBadRequestNaming(await call(node, method, path.replace('%s', id), body), 'id');
    }
    const unknown = await call(node, method, path.replace('%s', UNKNOWN_ID), body);
    expect(unknown).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: `no node with id ${UNKNOWN_ID}` },
    });
  });

  it('unchecks and checks a node, pins a fixed one (200, unchanged) and deletes it (204)', async () => {
    const port = await deadPort();
    const added = await addNode(node, { host: '127.0.0.1', port });
    expect(added.connect).toBe(true);

    const unchecked = await call(node, 'PATCH', `/api/mesh/nodes/${added.id}`, { connect: false });
    expect(unchecked.status).toBe(200);
    expect(unchecked.body).toMatchObject({ id: added.id, connect: false, status: { state: 'disabled' } });
    expectBadRequestNaming(await call(node, 'PATCH', `/api/mesh/nodes/${added.id}`, {}), 'connect');
    expectBadRequestNaming(
      await call(node, 'PATCH', `/api/mesh/nodes/${added.id}`, { connect: 'false' }),
      'connect',
    );
    expectBadRequestNaming(
      await call(node, 'PATCH', `/api/mesh/nodes/${added.id}`, { connect: true, host: 'x' }),
      'host',
    );
    const checked = await call(node, 'PATCH', `/api/mesh/nodes/${added.id}`, { connect: true });
    expect(checked.body).toMatchObject({ id: added.id, connect: true });
    expect((checked.body as Node).status.state).not.toBe('disabled');

    // A discovered entry needs the LAN search (netns-lan.spec); pinning a fixed node changes nothing.
    for (let i = 0; i < 2; i++) {
      const pinned = await call(node, 'POST', `/api/mesh/nodes/${added.id}/pin`);
      expect(pinned.status).toBe(200);
      expect(pinned.body).toMatchObject({ id: added.id, group: 'fixed', connect: true, port });
    }

    expect(await call(node, 'DELETE', `/api/mesh/nodes/${added.id}`)).toEqual({ status: 204, body: '' });
    expect((await nodes(node)).map((n) => n.id)).not.toContain(added.id);
    expect((await call(node, 'DELETE', `/api/mesh/nodes/${added.id}`)).status).toBe(404);
  });

  it('streams node events as Server-Sent Events', async () => {
    const abort = new AbortController();
    const limit = setTimeout(() => abort.abort(), UNTIL_LIMIT_MS);
    try {
      const response = await fetch(`${node.httpUrl}/api/mesh/events`, {
        headers: { authorization: `Bearer ${node.adminToken}` },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();

      const added = await addNode(node, { host: '127.0.0.1', port: await deadPort(), connect: false });
      let text = '';
      let event: { type?: string; data?: unknown } | undefined;
      while (!event) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended:\n${text}`);
        text += value;
        event = parseEvents(text).find((e) => e.type === 'node.added' && (e.data as Node).id === added.id);
      }
      expect(event.data).toEqual(added);

      await call(node, 'DELETE', `/api/mesh/nodes/${added.id}`);
      let removed = false;
      while (!removed) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended:\n${text}`);
        text += value;
        removed = parseEvents(text).some(
          (e) => e.type === 'node.removed' && (e.data as Node).id === added.id,
        );
      }
      await reader.cancel();
    } finally {
      clearTimeout(limit);
      abort.abort();
    }
  });
});

/** Complete events of an SSE text: `event:` and JSON `data:` lines, separated by blank lines. */
function parseEvents(text: string): Array<{ type?: string; data?: unknown }> {
  const blocks = text.split('\n\n').slice(0, -1);
  return blocks.map((block) => {
    const lines = block.split('\n');
    const type = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
    const data = lines
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length))
      .join('\n');
    return { type, data: data ? (JSON.parse(data) as unknown) : undefined };
  });
}

describe('the mesh admin API keeps what it was told', () => {
  afterEach(stopAll);

  it('keeps a fixed node, its id and its checkbox across a restart', async () => {
    const dataDir = await tempDataDir();
    const first = await start({ DATA_DIR: dataDir });
    const on = await addNode(first, { host: '127.0.0.1', port: await deadPort() });
    const off = await addNode(first, { host: 'uc-elsewhere', port: 7222, connect: false });
    await first.stop();

    const again = await start({ DATA_DIR: dataDir });
    const listed = await nodes(again);
    expect(listed).toHaveLength(2);
    expect(listed).toContainEqual(expect.objectContaining({ id: on.id, group: 'fixed', connect: true }));
    expect(listed).toContainEqual(
      expect.objectContaining({
        id: off.id,
        host: 'uc-elsewhere',
        port: 7222,
        group: 'fixed',
        connect: false,
      }),
    );
  });

  it('writes every change at once: a node killed (SIGKILL) right after the answer still has it', async () => {
    const dataDir = await tempDataDir();
    /** Makes one change, kills the node as soon as it answered, and returns the restarted node. */
    const changeThenKill = async (
      node: NodeProcess,
      change: (node: NodeProcess) => Promise<void>,
    ): Promise<NodeProcess> => {
      await change(node);
      expect(await node.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      running.splice(running.indexOf(node), 1);
      return start({ DATA_DIR: dataDir });
    };

    let node = await start({ DATA_DIR: dataDir });
    node = await changeThenKill(node, async (n) => {
      const settings = { meshId: 'killed', password: 'killed-password', discoveryIntervalMs: 2500 };
      expect((await call(n, 'PUT', '/api/mesh/settings', settings)).status).toBe(200);
    });
    expect((await call(node, 'GET', '/api/mesh')).body).toMatchObject({
      meshId: 'killed',
      passwordSet: true,
      discoveryIntervalMs: 2500,
    });

    let added: Node | undefined;
    node = await changeThenKill(node, async (n) => {
      added = await addNode(n, { host: '127.0.0.1', port: await deadPort() });
    });
    expect(await nodes(node)).toEqual([expect.objectContaining({ id: added?.id, connect: true })]);

    node = await changeThenKill(node, async (n) => {
      expect((await call(n, 'PATCH', `/api/mesh/nodes/${added?.id}`, { connect: false })).status).toBe(200);
    });
    expect(await nodes(node)).toEqual([expect.objectContaining({ id: added?.id, connect: false })]);

    node = await changeThenKill(node, async (n) => {
      expect((await call(n, 'DELETE', `/api/mesh/nodes/${added?.id}`)).status).toBe(204);
    });
    expect(await nodes(node)).toEqual([]);

    node = await changeThenKill(node, async (n) => {
      expect((await call(n, 'PUT', '/api/mesh/settings', { enabled: false })).status).toBe(200);
    });
    expect((await call(node, 'GET', '/api/mesh')).body).toMatchObject({ enabled: false, meshId: 'killed' });
  });
});

describe('two real nodes configured through the admin API', () => {
  afterEach(stopAll);

  it('join by one address: two nodes given only the first in MESH_PEERS make a full mesh of three, search off', async () => {
    const portA = await freePort();
    const a = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(portA) });
    const peers = { MESH_PEERS: `127.0.0.1:${portA}` };
    const b = await start({ DATA_DIR: await tempDataDir(), ...peers });
    const c = await start({ DATA_DIR: await tempDataDir(), ...peers });
    const full = (node: NodeProcess, others: NodeProcess[]) =>
      until(
        'every other node listed connected',
        async () => {
          const listed = await nodes(node);
          return others.every((o) =>
            listed.some((n) => n.nodeId === o.nodeId && n.status.state === 'connected'),
          )
            ? listed
            : undefined;
        },
        UNTIL_LIMIT_MS,
      );
    const [atA, atB] = [await full(a, [b, c]), await full(b, [a, c])];
    await full(c, [a, b]);
    // Nothing was added on A; B learned C from A's member list: discovered, not fixed.
    expect(atA.map((n) => n.group)).toEqual(['discovered', 'discovered']);
    expect(atB.find((n) => n.nodeId === c.nodeId)?.group).toBe('discovered');
    expect((await call(a, 'GET', '/api/mesh')).body).toMatchObject({ acceptUnknown: true, links: 2 });
  });

  it('with MESH_ACCEPT_UNKNOWN=false a node given only its address refuses with not-known-remote', async () => {
    const portA = await freePort();
    const a = await start({
      DATA_DIR: await tempDataDir(),
      MESH_PORT: String(portA),
      MESH_ACCEPT_UNKNOWN: 'false',
    });
    const b = await start({ DATA_DIR: await tempDataDir(), MESH_PEERS: `127.0.0.1:${portA}` });
    await untilListed(b, portA, 'error', 'not-known-remote');
    expect(await nodes(a)).toEqual([]);
    expect((await call(a, 'GET', '/api/mesh')).body).toMatchObject({ acceptUnknown: false });
  });

  it('link when each has the other as a fixed node; unchecking closes the link on both sides', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(portA) });
    const b = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(portB) });
    const bOnA = await addNode(a, { host: '127.0.0.1', port: portB });
    await addNode(b, { host: '127.0.0.1', port: portA });

    expect(await untilListed(a, portB, 'connected')).toMatchObject({ id: bOnA.id, nodeId: b.nodeId });
    expect(await untilListed(b, portA, 'connected')).toMatchObject({ nodeId: a.nodeId });

    const unchecked = await call(a, 'PATCH', `/api/mesh/nodes/${bOnA.id}`, { connect: false });
    expect(unchecked.body).toMatchObject({
      connect: false,
      status: { state: 'disabled', reason: 'disabled-local', hint: LINK_HINTS['disabled-local'] },
    });
    await untilListed(b, portA, 'error', 'disabled-remote');
    expect(await untilListed(a, portB, 'disabled')).toMatchObject({ id: bOnA.id, connect: false });

    expect((await call(a, 'PATCH', `/api/mesh/nodes/${bOnA.id}`, { connect: true })).status).toBe(200);
    await untilListed(a, portB, 'connected');
    await untilListed(b, portA, 'connected');
  });

  it('say what to do about a refused link: a wrong password carries its hint in the status and the log', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await start({ DATA_DIR: await tempDataDir(), MESH_PORT: String(portA) });
    const b = await start({
      DATA_DIR: await tempDataDir(),
      MESH_PORT: String(portB),
      MESH_PASSWORD: 'not-the-password',
    });
    await addNode(a, { host: '127.0.0.1', port: portB });
    await addNode(b, { host: '127.0.0.1', port: portA });

    const hint = LINK_HINTS['password-mismatch'];
    expect(hint).toMatch(/same password on both/);
    for (const [node, port] of [
      [a, portB],
      [b, portA],
    ] as const) {
      const listed = await untilListed(node, port, 'error', 'password-mismatch');
      expect(listed.status.hint).toBe(hint);
    }
    // The dialler's warning names the fix after the reason.
    await a.untilOutput(new RegExp(`failed: password-mismatch — .*\\(${escape(hint)}\\)`));

    // A link that comes up has no reason, so no hint either.
    const fixed = await call(b, 'PUT', '/api/mesh/settings', {
      meshId: MESH.MESH_ID,
      password: MESH.MESH_PASSWORD,
    });
    expect(fixed.status).toBe(200);
    const connected = await untilListed(a, portB, 'connected');
    expect(connected.status.hint).toBeUndefined();
  });
});
