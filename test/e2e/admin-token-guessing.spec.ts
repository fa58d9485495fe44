import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text.js';

const GUESSES = 500;
const CONCURRENCY = 10;

interface Answer {
  status: number;
  retryAfter?: string;
  body: unknown;
}

/** `GET <url>` with a bearer token, from the loopback address `from` (the client's own end). */
function get(url: string, token: string, from: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const outgoing = request(
      url,
      { headers: { authorization: `Bearer ${token}` }, localAddress: from, timeout: 30_000 },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          done({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            body: JSON.parse(text) as unknown,
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${url} timed out`)));
    outgoing.on('error', fail);
    outgoing.end();
  });
}

describe('admin-token guessing is slowed per client address', () => {
  let node: NodeProcess;
  let api: string;

  beforeAll(async () => {
    node = await NodeProcess.start({ DATA_DIR: await tempDataDir() });
    api = `${node.httpUrl}/api/mesh`;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it(`refuses ${GUESSES} guesses from one address with 429 after 10, while the right token from another address gets in`, async () => {
    const guesses = Array.from({ length: GUESSES }, () => `guess-${randomUUID()}`);
    const answers: Answer[] = [];
    for (let at = 0; at < guesses.length; at += CONCURRENCY) {
      const batch = guesses.slice(at, at + CONCURRENCY);
      answers.push(...(await Promise.all(batch.map((guess) => get(api, guess, '127.0.0.1')))));
    }
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(GUESSES - 10);
    expect(answers.find((answer) => answer.status === 429)).toEqual({
      status: 429,
      retryAfter: '60',
      body: {
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Too many wrong admin tokens from this address; try again in 60 s',
      },
    });

    // Locked out is locked out: the right token from the guessing address too, until the window ends.
    expect((await get(api, node.adminToken, '127.0.0.1')).status).toBe(429);
    // Another client is not locked out.
    const other = await get(api, node.adminToken, '127.0.0.2');
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ self: { nodeId: node.nodeId } });

    // Logged once by address, never with a guessed token.
    expect(node.output).toContain('10 different wrong admin tokens from 127.0.0.1 within 60 s');
    expect(node.output.match(/wrong admin token from 127\.0\.0\.1$/gm)).toHaveLength(9);
    expect(guesses.filter((guess) => node.output.includes(guess))).toEqual([]);

    const samples = parsePrometheusText(await (await fetch(`${node.httpUrl}/metrics`)).text());
    expect(sampleSum(samples, 'ucmesh_admin_token_refusals_total', { reason: 'wrong' })).toBe(10);
    expect(sampleSum(samples, 'ucmesh_admin_token_refusals_total', { reason: 'locked-out' })).toBe(
      GUESSES - 10 + 1,
    );
    expect(sampleSum(samples, 'ucmesh_admin_token_lockouts_total')).toBe(1);
  });

  it('does not lock out a client that repeats one stale token', async () => {
    const stale = `stale-${randomUUID()}`;
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push((await get(api, stale, '127.0.0.3')).status);
    expect(new Set(answers)).toEqual(new Set([401]));
    expect((await get(api, node.adminToken, '127.0.0.3')).status).toBe(200);
  });
});
