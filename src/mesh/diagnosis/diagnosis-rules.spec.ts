import { describe, expect, it } from '@jest/globals';
import { LINK_HINTS } from '../link/link-hints.js';
import { type DiagnosisFacts, type DiagnosisLine, diagnose, type NodeFacts } from './diagnosis-rules.js';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const DAY_MS = 86_400_000;
const SINCE = '2026-12-07T11:00:00.000Z';

/** A healthy node with search on, one linked peer, a certificate good for a year. */
function facts(change: Partial<DiagnosisFacts> = {}): DiagnosisFacts {
  return {
    now: NOW,
    clientsInterface: { listening: true, ownedByApplication: false, bind: '0.0.0.0', port: 7222 },
    advertised: { host: 'uc1', port: 7222, answer: { outcome: 'self' } },
    discovery: {
      interfaces: ['10.0.0.1'],
      announcementsSent: 4,
      announcementsReceived: 3,
      lastReceivedAt: SINCE,
    },
    nodes: [peer('uc2', { state: 'connected', since: SINCE, version: '1.0.0', clockOffsetMs: 12 })],
    maxClockOffsetMs: 30_000,
    version: '1.0.0',
    certificate: { subject: 'uc1', validTo: new Date(NOW + 365 * DAY_MS).toISOString() },
    ...change,
  };
}

function peer(host: string, status: Partial<NodeFacts['status']>, extra: Partial<NodeFacts> = {}): NodeFacts {
  return {
    host,
    port: 7222,
    nodeId: null,
    connect: true,
    status: { state: 'idle', since: SINCE, ...status },
    ...extra,
  };
}

const byCheck = (lines: DiagnosisLine[], check: string, node?: string) =>
  lines.find((l) => l.check === check && (node === undefined || l.node === node));

describe('diagnose', () => {
  it('says ok to a healthy node, one line per check, no hints', () => {
    const lines = diagnose(facts());
    expect(lines.map((l) => [l.check, l.status])).toEqual([
      ['clients-interface', 'ok'],
      ['advertised-address', 'ok'],
      ['discovery', 'ok'],
      ['node-reachable', 'ok'],
      ['clock-offset', 'ok'],
      ['software-version', 'ok'],
      ['certificate', 'ok'],
    ]);
    expect(lines.every((l) => l.hint === '')).toBe(true);
  });

  it('finds the advertised address unreachable, or answered by another node', () => {
    const refused = diagnose(
      facts({
        advertised: { host: '10.9.9.9', port: 7222, answer: { outcome: 'refused', detail: 'ECONNREFUSED' } },
      }),
    );
    expect(byCheck(refused, 'advertised-address')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('cannot be reached at 10.9.9.9:7222'),
      hint: expect.stringContaining('MESH_HOST'),
    });
    const other = diagnose(
      facts({ advertised: { host: 'uc1', port: 7222, answer: { outcome: 'other-node', nodeId: 'n2' } } }),
    );
    expect(byCheck(other, 'advertised-address')?.message).toContain(
      'another mesh node (n2) answers at uc1:7222',
    );
  });

  it('judges the search: off with or without configured nodes, no interface, nothing received', () => {
    const off = { interfaces: [], announcementsSent: 0, announcementsReceived: 0, off: 'switched off' };
    expect(byCheck(diagnose(facts({ discovery: off })), 'discovery')?.status).toBe('ok');
    expect(byCheck(diagnose(facts({ discovery: off, nodes: [] })), 'discovery')?.status).toBe('warning');
    const noInterface = { interfaces: [], announcementsSent: 0, announcementsReceived: 0 };
    expect(byCheck(diagnose(facts({ discovery: noInterface })), 'discovery')?.status).toBe('error');
    const deaf = { interfaces: ['10.0.0.1'], announcementsSent: 5, announcementsReceived: 0 };
    expect(byCheck(diagnose(facts({ discovery: deaf })), 'discovery')).toMatchObject({
      status: 'warning',
      message: 'the search on 10.0.0.1 sent 5 announcements but received none from other nodes',
      hint: expect.stringContaining('UDP port 5353'),
    });
  });

  it("gives each unlinked node the probe's finding or its link reason, with the reason's hint", () => {
    const lines = diagnose(
      facts({
        nodes: [
          peer(
            'blocked',
            { state: 'error', reason: 'unreachable' },
            { probe: { outcome: 'refused', detail: 'ECONNREFUSED' } },
          ),
          peer(
            'silent',
            { state: 'connecting' },
            { probe: { outcome: 'timeout', detail: 'no TCP connection within 2000 ms' } },
          ),
          peer(
            'other-password',
            { state: 'error', reason: 'password-mismatch', message: 'proof did not verify' },
            { probe: { outcome: 'open' } },
          ),
          peer('coming', { state: 'connecting' }, { probe: { outcome: 'open' } }),
          peer('unchecked', { state: 'idle' }, { connect: false }),
        ],
      }),
    );
    expect(byCheck(lines, 'node-reachable', 'blocked:7222')).toMatchObject({
      status: 'error',
      hint: LINK_HINTS.unreachable,
    });
    expect(byCheck(lines, 'node-reachable', 'silent:7222')).toMatchObject({
      status: 'error',
      hint: LINK_HINTS.timeout,
    });
    expect(byCheck(lines, 'node-reachable', 'other-password:7222')).toMatchObject({
      status: 'error',
      message: 'other-password:7222 is not linked: password-mismatch — proof did not verify',
      hint: LINK_HINTS['password-mismatch'],
    });
    expect(byCheck(lines, 'node-reachable', 'coming:7222')?.status).toBe('warning');
    expect(byCheck(lines, 'node-reachable', 'unchecked:7222')).toBeUndefined();
  });

  it('reports clock offsets: refused skew is an error, a few seconds a warning', () => {
    const skewed = diagnose(
      facts({ nodes: [peer('uc3', { state: 'error', reason: 'clock-skew', clockOffsetMs: 7_200_012 })] }),
    );
    expect(byCheck(skewed, 'clock-offset')).toMatchObject({
      status: 'error',
      message: 'clocks differ beyond the limit of 30.0 s: uc3:7222 +7200.0 s',
      hint: LINK_HINTS['clock-skew'],
    });
    const drifting = diagnose(facts({ nodes: [peer('uc3', { state: 'connected', clockOffsetMs: -4500 })] }));
    expect(byCheck(drifting, 'clock-offset')).toMatchObject({
      status: 'warning',
      message: expect.stringContaining('uc3:7222 −4.5 s'),
    });
  });

  it('warns of mixed versions among linked nodes', () => {
    const lines = diagnose(facts({ nodes: [peer('uc2', { state: 'connected', version: '0.9.0' })] }));
    expect(byCheck(lines, 'software-version')).toMatchObject({
      status: 'warning',
      message: 'this node runs 1.0.0, linked nodes run other versions: 0.9.0 (uc2:7222)',
    });
  });

  it("warns 30 days before a certificate expires and errs once it has, this node's and a peer's", () => {
    const in10 = new Date(NOW + 10 * DAY_MS + 1000).toISOString();
    const gone = new Date(NOW - DAY_MS).toISOString();
    const lines = diagnose(
      facts({
        certificate: { subject: 'uc1', validTo: in10 },
        nodes: [
          peer('uc2', {
            state: 'connected',
            tls: {
              protocol: 'TLSv1.3',
              cipher: 'x',
              subject: 'uc2',
              issuer: 'ca',
              validFrom: SINCE,
              validTo: gone,
              fingerprint256: 'f',
              peerCertificateExpires: gone,
            },
          }),
        ],
      }),
    );
    expect(byCheck(lines, 'certificate')).toMatchObject({
      status: 'warning',
      message: `this node's certificate (uc1) expires on ${in10}, in 10 days`,
    });
    expect(byCheck(lines, 'peer-certificate', 'uc2:7222')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('expired'),
    });
    expect(byCheck(diagnose(facts({ certificate: undefined })), 'certificate')?.message).toContain(
      'encryption is off',
    );
  });
});
