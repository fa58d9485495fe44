import { describe, expect, it } from '@jest/globals';
import type { DiagnosisLine } from '../../src/mesh/diagnosis/diagnosis-rules.js';
import { LINK_HINTS } from '../../src/mesh/link/link-hints.js';
import { createSelfSignedPair } from '../../src/mesh/tls/certificate-factory.js';
import { call } from '../helpers/node-api.js';
import { closedPort, freePort, type NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { clockAhead, skewedClockNodes } from '../helpers/skewed-clock.js';
import { writePem } from '../helpers/test-pki.js';
import { until } from '../helpers/until.js';

const { start } = skewedClockNodes({ MESH_ID: 'diagnose', MESH_PASSWORD: 'diagnose-password' });
const TWO_HOURS_AHEAD = clockAhead('+2h');
/** A loopback address nothing listens on: the node binds 127.0.0.1 only. */
const WRONG_HOST = '127.0.0.99';

async function diagnosis(node: NodeProcess): Promise<DiagnosisLine[]> {
  const answer = await call(node, 'GET', '/api/mesh/diagnose');
  if (answer.status !== 200)
    throw new Error(`GET /api/mesh/diagnose: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as DiagnosisLine[];
}

const lineOf = (lines: DiagnosisLine[], check: string, node?: string) =>
  lines.find((line) => line.check === check && (node === undefined || line.node === node));

describe('GET /api/mesh/diagnose', () => {
  it('names each fault: wrong advertised host, blocked port, password mismatch, skewed clock, expiring certificate', async () => {
    const [portD, portP, portS] = [await freePort(), await freePort(), await freePort()];
    // Not a freePort(): a node asking for port 0 (its admin HTTP port) may be given that one again.
    const blocked = await closedPort();
    const certDir = await tempDataDir();
    const expiring = await writePem(certDir, 'node-d', await createSelfSignedPair(WRONG_HOST, { days: 10 }));
    // P and S list D by the address it advertises, so they admit its hello (and fail to dial it).
    const listD = { MESH_PEERS: `${WRONG_HOST}:${portD}` };
    const [p, , d] = await Promise.all([
      start(portP, { ...listD, MESH_PASSWORD: 'another-password' }),
      start(portS, { ...listD, ...TWO_HOURS_AHEAD }),
      start(portD, {
        MESH_HOST: WRONG_HOST,
        MESH_PEERS: [blocked, portP, portS].map((port) => `127.0.0.1:${port}`).join(','),
        MESH_TLS_CERT: expiring.certFile,
        MESH_TLS_KEY: expiring.keyFile,
      }),
    ]);

    // Waits until the links have failed for their reasons (the diagnosis reads their status); a
    // first dial may have found a peer not listening yet (unreachable).
    const lines = await until('the diagnosis of d', async () => {
      const found = await diagnosis(d);
      const password = lineOf(found, 'node-reachable', `127.0.0.1:${portP}`);
      const clock = lineOf(found, 'clock-offset');
      if (password?.reason === 'password-mismatch' && clock?.status === 'error') return found;
      throw new Error(JSON.stringify(found));
    });

    expect(lineOf(lines, 'clients-interface')).toMatchObject({ status: 'ok' });
    expect(lineOf(lines, 'advertised-address')).toMatchObject({
      status: 'error',
      message: expect.stringContaining(`cannot be reached at ${WRONG_HOST}:${portD}`),
      hint: expect.stringContaining('MESH_HOST'),
    });
    expect(lineOf(lines, 'node-reachable', `127.0.0.1:${blocked}`)).toMatchObject({
      status: 'error',
      message: expect.stringContaining('refuses the connection: ECONNREFUSED'),
      hint: LINK_HINTS.unreachable,
    });
    expect(lineOf(lines, 'node-reachable', `127.0.0.1:${portP}`)).toMatchObject({
      status: 'error',
      message: expect.stringContaining('password-mismatch'),
      hint: LINK_HINTS['password-mismatch'],
    });
    expect(lineOf(lines, 'node-reachable', `127.0.0.1:${portS}`)).toMatchObject({
      status: 'error',
      message: expect.stringContaining('clock-skew'),
    });
    expect(lineOf(lines, 'clock-offset')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${portS} \\+7(199|200)\\.\\d s`)),
      hint: LINK_HINTS['clock-skew'],
    });
    expect(lineOf(lines, 'certificate')).toMatchObject({
      status: 'warning',
      message: expect.stringMatching(
        /^this node's certificate \(127\.0\.0\.99\) expires on .*, in (9|10) days$/,
      ),
    });
    // The search is off for every test node; with configured nodes that is fine.
    expect(lineOf(lines, 'discovery')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('off'),
    });
    for (const line of lines.filter((l) => l.status !== 'ok')) expect(line.hint).not.toBe('');

    // The healthy node answers at its own address, with a certificate good for years.
    const atP = await diagnosis(p);
    expect(lineOf(atP, 'advertised-address')).toMatchObject({
      status: 'ok',
      message: `this node answers at its advertised address 127.0.0.1:${portP}`,
    });
    expect(lineOf(atP, 'certificate')).toMatchObject({ status: 'ok' });
    expect(lineOf(atP, 'node-reachable', `${WRONG_HOST}:${portD}`)).toMatchObject({
      status: 'error',
      hint: LINK_HINTS.unreachable,
    });
  });
});
