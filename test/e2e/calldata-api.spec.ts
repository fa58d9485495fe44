import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'calldata-api', MESH_PASSWORD: 'calldata-api-password' };

interface CallData {
  callLinkageId: string;
  originNodeId: string;
  fields: Record<string, string>;
  updatedAt: string;
}
interface Answer {
  status: number;
  body: unknown;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('the CallData API on one node', () => {
  let node: NodeProcess;

  beforeAll(async () => {
    node = await NodeProcess.start({ ...MESH, DATA_DIR: await tempDataDir() });
  });
  afterAll(async () => {
    await node.stop();
  });

  function call(method: string, path: string, body?: unknown): Promise<Answer> {
    return node.api(path, { method, body, token: node.adminToken });
  }
  async function put(id: string, fields: Record<string, string | null>): Promise<CallData> {
    const answer = await call('PUT', `/api/calldata/${encodeURIComponent(id)}`, { fields });
    expect(answer.status).toBe(200);
    return answer.body as CallData;
  }
  async function get(id: string): Promise<Answer> {
    return call('GET', `/api/calldata/${encodeURIComponent(id)}`);
  }
  async function list(query: string): Promise<CallData[]> {
    const answer = await call('GET', `/api/calldata${query}`);
    expect(answer.status).toBe(200);
    return answer.body as CallData[];
  }
  /** One 400 in the admin API's form, its single message matching `message`. */
  function expectBadRequest(answer: Answer, message: RegExp): void {
    expect(answer).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(message)] },
    });
  }

  it('creates CallData with PUT and answers the same with GET', async () => {
    const created = await put('api-create', { caller: '+49 30 1234', queue: 'sales' });
    expect(created).toEqual({
      callLinkageId: 'api-create',
      originNodeId: node.nodeId,
      fields: { caller: '+49 30 1234', queue: 'sales' },
      updatedAt: expect.stringMatching(ISO_TIME),
    });
    expect(await get('api-create')).toEqual({ status: 200, body: created });
  });

  it('merges: fields not named stay, a named one is replaced, null removes a key', async () => {
    const first = await put('api-merge', { a: '1', b: '2', c: '3' });
    const merged = await put('api-merge', { b: 'two', c: null, d: '4' });
    expect(merged.fields).toEqual({ a: '1', b: 'two', d: '4' });
    expect(merged.originNodeId).toBe(node.nodeId);
    expect(Date.parse(merged.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt));
    expect(await get('api-merge')).toEqual({ status: 200, body: merged });

    // Removing a key nobody set is no error and changes nothing else.
    expect((await put('api-merge', { never: null })).fields).toEqual({ a: '1', b: 'two', d: '4' });
  });

  it('takes IDs and names with spaces and non-ASCII letters, and every bound at its limit', async () => {
    const id = 'été 42 ☎';
    expect(await put(id, { 'Caller Name': 'Jürgen Müller' })).toMatchObject({
      callLinkageId: id,
      fields: { 'Caller Name': 'Jürgen Müller' },
    });
    expect((await get(id)).body).toMatchObject({ callLinkageId: id });

    const manyFields = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [`${i}`.padStart(128, 'k'), 'v']),
    );
    expect((await put('api-limits', manyFields)).fields).toEqual(manyFields);
    const longValue = 'ü'.repeat(4096);
    expect((await put('api-limits', { long: longValue })).fields.long).toBe(longValue);
    const longestId = 'x'.repeat(128);
    expect((await put(longestId, { k: 'v' })).callLinkageId).toBe(longestId);
  });

  // 64 fields of 4096 characters are within CALLDATA_LIMITS: about 270 kB of JSON in one PUT.
  it('takes one PUT with 64 fields of 4096 characters each, the most the limits allow', async () => {
    const fields = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`f${i}`, 'v'.repeat(4096)]));
    const answer = await call('PUT', '/api/calldata/api-largest', { fields });
    expect(answer.status).toBe(200);
    expect((answer.body as CallData).fields).toEqual(fields);
  });

  it('answers 404 for a call it has no CallData for', async () => {
    expect(await get('api-unknown')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'no CallData for call "api-unknown"' },
    });
  });

  it('lists calls changed at or after `since`, oldest change first, at most `limit`', async () => {
    // Calls of earlier tests must not share the first call's millisecond.
    await new Promise((done) => setTimeout(done, 5));
    const one = await put('api-list-1', { n: '1' });
    const two = await put('api-list-2', { n: '2' });
    const three = await put('api-list-3', { n: '3' });
    const since = `?since=${encodeURIComponent(one.updatedAt)}`;

    expect(await list(since)).toEqual([one, two, three]);
    expect(await list(`${since}&limit=2`)).toEqual([one, two]);
    // The next page starts at the last call's time: calls of that same millisecond come again.
    const next = await list(`?since=${encodeURIComponent(two.updatedAt)}&limit=1000`);
    expect(next.slice(-2)).toEqual([two, three]);
    expect(next.length).toBeLessThanOrEqual(3);

    // A change moves the call to the end.
    const oneAgain = await put('api-list-1', { n: 'one' });
    expect(await list(since)).toEqual([two, three, oneAgain]);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await list(`?since=${encodeURIComponent(future)}`)).toEqual([]);
  });

  it('lists at most 100 calls without `limit`, and up to 1000 with it', async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => put(`api-many-${i}`, { i: `${i}` })));
    expect(await list('')).toHaveLength(100);
    expect((await list('?limit=1000')).length).toBeGreaterThanOrEqual(120);
    expect(await list('?limit=1')).toHaveLength(1);
  });

  const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 'v']));
  it.each<[string, unknown, RegExp]>([
    ['fields missing', {}, /^fields must be an object\b/],
    ['fields a string', { fields: 'caller=alice' }, /^fields must be an object\b/],
    ['fields an array', { fields: [['caller', 'alice']] }, /^fields must be an object\b/],
    ['fields null', { fields: null }, /^fields must be an object\b/],
    ['fields empty', { fields: {} }, /^fields must have 1 to 64 entries$/],
    ['65 fields', { fields: tooMany }, /^fields must have 1 to 64 entries$/],
    ['a key of 129 characters', { fields: { ['k'.repeat(129)]: 'v' } }, /^fields: the name "k+" .*\b128\b/],
    ['an empty key', { fields: { '': 'v' } }, /^fields: the name "" .*\b128\b/],
    ['a key with a control character', { fields: { 'a\u0007': 'v' } }, /^fields: the name "a\\u0007"/],
    [
      'a value of 4097 characters',
      { fields: { big: 'v'.repeat(4097) } },
      /^fields\.big must be a string .*\b4096\b/,
    ],
    ['a number as value', { fields: { n: 7 } }, /^fields\.n must be a string\b/],
    ['a boolean as value', { fields: { b: true } }, /^fields\.b must be a string\b/],
    ['an object as value', { fields: { o: { x: '1' } } }, /^fields\.o must be a string\b/],
    ['an unknown property', { fields: { a: '1' }, ttl: 60 }, /^property ttl should not exist$/],
    [
      'a lone surrogate in a name',
      { fields: { 'a\uD800b': '1' } },
      /^fields: the name "a\\ud800b" must be .*lone surrogates$/,
    ],
    [
      'a lone surrogate in a value',
      { fields: { v: 'x\uDC00y' } },
      /^fields\.v must be Unicode text without NUL characters or lone surrogates$/,
    ],
    ['a NUL character in a value', { fields: { z: 'a\u0000b' } }, /^fields\.z must be Unicode text\b/],
  ])('refuses a PUT with %s: 400 naming what is wrong, nothing stored', async (_, body, message) => {
    const before = await put('api-bad-body', { kept: 'yes' });
    expectBadRequest(await call('PUT', '/api/calldata/api-bad-body', body), message);
    expect(await get('api-bad-body')).toEqual({ status: 200, body: before });
  });

  it('refuses a callLinkageId of 129 characters or with a control character, storing nothing', async () => {
    await put('x'.repeat(128), { k: 'v' });
    for (const id of ['x'.repeat(129), 'call\u0001']) {
      const path = `/api/calldata/${encodeURIComponent(id)}`;
      expectBadRequest(await call('PUT', path, { fields: { a: '1' } }), /^callLinkageId must be 1 to 128\b/);
      expectBadRequest(await call('GET', path), /^callLinkageId must be 1 to 128\b/);
    }
    expect((await list('?limit=1000')).filter((c) => c.callLinkageId.startsWith('xxxx'))).toEqual([
      expect.objectContaining({ callLinkageId: 'x'.repeat(128) }),
    ]);
  });

  it('answers a malformed JSON body with 400', async () => {
    const response = await fetch(`${node.httpUrl}/api/calldata/api-json`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json' },
      body: '{"fields": {"a": "1"',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.any(String),
    });
    expect((await get('api-json')).status).toBe(404);
  });

  it.each<[string, RegExp]>([
    ['since=yesterday', /^since must be an ISO-8601 time$/],
    ['since=2026-13-45T99:00:00Z', /^since must be an ISO-8601 time$/],
    ['since=', /^since must be an ISO-8601 time$/],
    ['limit=0', /^limit must be an integer from 1 to 1000$/],
    ['limit=1001', /^limit must be an integer from 1 to 1000$/],
    ['limit=-5', /^limit must be an integer from 1 to 1000$/],
    ['limit=2.5', /^limit must be an integer from 1 to 1000$/],
    ['limit=ten', /^limit must be an integer from 1 to 1000$/],
    ['limit=', /^limit must be an integer from 1 to 1000$/],
    ['limit=1&limit=2', /^limit must be an integer from 1 to 1000$/],
  ])('refuses a list with %s: 400 naming the parameter', async (query, message) => {
    expectBadRequest(await call('GET', `/api/calldata?${query}`), message);
  });

  // `since` is documented as ISO-8601; JavaScript's lenient date parser reads these as 2001-01-01
  // and 2001-03-07, so a typo silently lists from another year instead of being refused.
  it('refuses a `since` that is no ISO-8601 time: 1, -1, March 7', async () => {
    const accepted: string[] = [];
    for (const since of ['1', '-1', 'March 7']) {
      const answer = await call('GET', `/api/calldata?since=${encodeURIComponent(since)}`);
      if (answer.status !== 400) accepted.push(`since=${since} (${answer.status})`);
      else expectBadRequest(answer, /^since must be an ISO-8601 time$/);
    }
    expect(accepted).toEqual([]);
  });

  // A field name is any 1–128 printable characters; names that happen to be members of
  // Object.prototype are names like any other and must neither vanish nor make the set "empty".
  it('stores fields named constructor, toString, valueOf, hasOwnProperty like any other', async () => {
    const lost: string[] = [];
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      const fields: Record<string, string> = { plain: 'p' };
      // defineProperty: a plain assignment to `__proto__` would set the prototype, not a field.
      Object.defineProperty(fields, name, {
        value: 'v',
        enumerable: true,
        writable: true,
        configurable: true,
      });
      const answer = await call('PUT', `/api/calldata/api-name-${name}`, { fields });
      const stored = answer.status === 200 ? Object.entries((answer.body as CallData).fields) : [];
      if (!stored.some(([key, value]) => key === name && value === 'v'))
        lost.push(`${name} (${answer.status})`);
    }
    expect(lost).toEqual([]);
  });

  it('refuses the one reserved name, __proto__, with a 400 saying so', async () => {
    const answer = await call('PUT', '/api/calldata/api-name-proto', {
      fields: JSON.parse('{"__proto__": "v", "plain": "p"}') as Record<string, string>,
    });
    expect(answer.status).toBe(400);
    expect((answer.body as { message: string[] }).message).toEqual([
      'fields: the name "__proto__" is reserved',
    ]);
    expect((await call('GET', '/api/calldata/api-name-proto')).status).toBe(404);
  });

  const routes: Array<[string, string, unknown]> = [
    ['PUT', '/api/calldata/api-auth', { fields: { a: '1' } }],
    ['GET', '/api/calldata/api-create', undefined],
    ['GET', '/api/calldata', undefined],
  ];
  it.each(routes)('answers 401 to %s %s without a token and with a wrong one', async (method, path, body) => {
    expect(await node.api(path, { method, body })).toEqual({
      status: 401,
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Authorization: Bearer <admin token> is required',
      },
    });
    expect(await node.api(path, { method, body, token: `${node.adminToken}x` })).toEqual({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'The admin token is wrong' },
    });
    // The refused PUT stored nothing.
    expect((await get('api-auth')).status).toBe(404);
  });

  it('still serves good requests after a run of bad ones', async () => {
    const bad = [
      call('PUT', '/api/calldata/api-after', { fields: {} }),
      call('PUT', '/api/calldata/api-after', { fields: { a: 1 } }),
      call('PUT', '/api/calldata/api-after', { fields: tooMany }),
      call('PUT', `/api/calldata/${'y'.repeat(200)}`, { fields: { a: '1' } }),
      call('GET', '/api/calldata?limit=0'),
      call('GET', '/api/calldata?since=nonsense'),
      node.api('/api/calldata/api-after', { method: 'PUT', body: { fields: { a: '1' } }, token: 'wrong' }),
    ];
    expect((await Promise.all(bad)).map((a) => a.status)).toEqual([400, 400, 400, 400, 400, 400, 401]);

    const good = await put('api-after', { a: '1' });
    expect(good.fields).toEqual({ a: '1' });
    expect((await get('api-after')).body).toEqual(good);
    expect((await list('?limit=1000')).map((c) => c.callLinkageId)).toContain('api-after');
    expect((await node.health()).status).toBe(200);
  });
});
