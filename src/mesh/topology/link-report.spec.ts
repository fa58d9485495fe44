import { describe, expect, it } from '@jest/globals';
import {
  encodeLinkReport,
  type LinkReport,
  publishedRtt,
  readLinkReport,
  reportsNewTimeout,
  rttToPublish,
} from './link-report.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const REPORT: LinkReport = {
  state: 'connected',
  transport: 'tls',
  rttMs: 0.4,
  since: 1_795_000_000_000,
  host: 'uc2',
  port: 7222,
  version: 'uc-mesh/0.1.0',
};

describe('link reports', () => {
  it('travel and come back the same', () => {
    expect(readLinkReport(A, B, encodeLinkReport(REPORT))).toEqual(REPORT);
    const down: LinkReport = { state: 'error', reason: 'unreachable', since: 5, host: '10.0.0.2', port: 1 };
    expect(readLinkReport(A, B, encodeLinkReport(down))).toEqual(down);
  });

  it('are refused when a field is out of range, or the key is no node ID or the reporter', () => {
    const wire = encodeLinkReport(REPORT);
    const bad: Array<[string, unknown]> = [
      ['state', { ...wire, s: 'great' }],
      ['reason', { ...wire, r: 'Drop table' }],
      ['transport', { ...wire, t: 'udp' }],
      ['negative rtt', { ...wire, rtt: -1 }],
      ['huge rtt', { ...wire, rtt: 1e12 }],
      ['since', { ...wire, at: 1.5 }],
      ['host', { ...wire, h: 'a\u0000b' }],
      ['empty host', { ...wire, h: '' }],
      ['port', { ...wire, p: 70000 }],
      ['version', { ...wire, v: 'x'.repeat(65) }],
      ['array', [wire]],
      ['null', null],
    ];
    for (const [what, value] of bad) expect([what, readLinkReport(A, B, value)]).toEqual([what, undefined]);
    expect(readLinkReport(A, 'not-a-node', wire)).toBeUndefined();
    expect(readLinkReport(A, A, wire)).toBeUndefined();
  });

  it('keep no round trip for a link that is down', () => {
    expect(readLinkReport(A, B, { ...encodeLinkReport(REPORT), s: 'error' })?.rttMs).toBeUndefined();
  });
});

describe('publishedRtt', () => {
  it('publishes the first measurement and keeps it through jitter', () => {
    expect(publishedRtt(undefined, 0.4)).toBe(0.4);
    expect(publishedRtt(0.4, 19)).toBe(0.4);
    expect(publishedRtt(20, 35)).toBe(20);
    expect(publishedRtt(50, 30)).toBe(50);
  });

  it('publishes a notable change: at least 20 ms and twice or half the published one', () => {
    expect(publishedRtt(0.4, 25)).toBe(25);
    expect(publishedRtt(20, 41)).toBe(41);
    expect(publishedRtt(50, 24)).toBe(24);
    expect(publishedRtt(0, 30)).toBe(30);
  });

  it('publishes nothing without a measurement', () => {
    expect(publishedRtt(3, undefined)).toBeUndefined();
  });
});

describe('rttToPublish', () => {
  it('between periodic refreshes sends only a link’s first round trip, never a moved one', () => {
    expect(rttToPublish(undefined, 0.4, false)).toBe(0.4);
    expect(rttToPublish(0.4, 40, false)).toBe(0.4);
    expect(rttToPublish(0.4, undefined, false)).toBeUndefined();
  });

  it('at the periodic refresh sends a round trip that moved notably', () => {
    expect(rttToPublish(0.4, 40, true)).toBe(40);
    expect(rttToPublish(0.4, 5, true)).toBe(0.4);
    expect(rttToPublish(undefined, 3, true)).toBe(3);
  });
});

describe('reportsNewTimeout', () => {
  const timedOut = encodeLinkReport({ state: 'error', reason: 'timeout', since: 9, host: 'uc2', port: 7222 });
  const up = encodeLinkReport(REPORT);

  it('is a link the reporter just lost for want of an answer', () => {
    expect(reportsNewTimeout(A, B, timedOut, up)).toBe(true);
    expect(reportsNewTimeout(A, B, timedOut, undefined)).toBe(true);
  });

  it('is not the same timeout again, another reason, a link up, or a malformed or self-naming report', () => {
    expect(reportsNewTimeout(A, B, timedOut, timedOut)).toBe(false);
    expect(reportsNewTimeout(A, B, { ...timedOut, at: 10 }, timedOut)).toBe(true);
    expect(reportsNewTimeout(A, B, { ...timedOut, r: 'connection-lost' }, up)).toBe(false);
    expect(reportsNewTimeout(A, B, up, timedOut)).toBe(false);
    expect(reportsNewTimeout(A, B, { ...timedOut, p: 0 }, up)).toBe(false);
    expect(reportsNewTimeout(A, A, timedOut, up)).toBe(false);
    expect(reportsNewTimeout(A, 'not-a-node', timedOut, up)).toBe(false);
  });
});
