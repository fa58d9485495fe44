import type { DiscoveryReport } from '../discovery/discovery.service.js';
import { LINK_HINTS } from '../link/link-hints.js';
import type { LinkReason } from '../link/link-reason.js';
import type { LinkStatus } from '../link/link-status.js';
import {
  DIAGNOSIS_HINTS,
  DIAGNOSIS_MESSAGES,
  type DiagnosisCode,
  type DiagnosisHintCode,
  fillTemplate,
} from './diagnosis-texts.js';

/** One finding of `GET /api/mesh/diagnose`. */
export interface DiagnosisLine {
  check: DiagnosisCheck;
  status: 'ok' | 'warning' | 'error';
  /** What was found, in English: `code`'s template (`DIAGNOSIS_MESSAGES`) with `params`. */
  message: string;
  /** What to do about it (the link reason's hint where one applies); empty when all is well. */
  hint: string;
  /** Which finding, for a translation of `message`. */
  code: DiagnosisCode;
  params: Record<string, string | number>;
  /** The link reason whose hint `hint` is (`LINK_HINTS`), or the diagnosis' own hint (`DIAGNOSIS_HINTS`). */
  reason?: LinkReason;
  hintCode?: DiagnosisHintCode;
  /** The node a per-node line is about: its `host:port`. */
  node?: string;
}

export type DiagnosisCheck =
  | 'clients-interface'
  | 'advertised-address'
  | 'discovery'
  | 'node-reachable'
  | 'clock-offset'
  | 'software-version'
  | 'certificate'
  | 'peer-certificate';

/** A TCP connection attempt to a node's address, made for the diagnosis. */
export type ProbeResult =
  { outcome: 'open' } | { outcome: 'refused' | 'unreachable' | 'timeout'; detail: string };

/** Who answered a mesh hello at this node's advertised address. */
export type AdvertisedAnswer =
  | { outcome: 'self' }
  | { outcome: 'other-node'; nodeId: string }
  | { outcome: 'not-checked'; reason: LinkReason; detail: string }
  | { outcome: 'not-mesh' | 'refused' | 'unreachable' | 'timeout'; detail: string };

export interface NodeFacts {
  host: string;
  port: number;
  nodeId: string | null;
  connect: boolean;
  status: LinkStatus;
  /** Made for nodes that are not linked. */
  probe?: ProbeResult;
}

/** What the diagnosis looked at; `diagnose` turns it into lines. */
export interface DiagnosisFacts {
  now: number;
  clientsInterface: { listening: boolean; ownedByApplication: boolean; bind: string; port: number };
  advertised: { host: string; port: number; answer: AdvertisedAnswer };
  discovery: DiscoveryReport;
  nodes: NodeFacts[];
  maxClockOffsetMs: number;
  /** This node's software version. */
  version: string;
  /** This node's certificate; undefined with encryption `none`. */
  certificate?: { subject: string; validTo: string };
}

/** Certificates expiring within this are warned about. */
export const CERTIFICATE_WARNING_DAYS = 30;
/** Clock offsets above this are worth a warning well before the limit refuses the link. */
export const CLOCK_WARNING_MS = 2000;
const DAY_MS = 86_400_000;

type Hint = { reason: LinkReason } | { hintCode: DiagnosisHintCode };
type Params = Record<string, string | number>;

/** Turns the facts into the diagnosis, one line per check (per node for the nodes). Pure. */
export function diagnose(facts: DiagnosisFacts): DiagnosisLine[] {
  const configured = facts.nodes.filter((node) => node.connect);
  return [
    clientsInterface(facts),
    advertisedAddress(facts),
    discovery(facts),
    ...(configured.length > 0
      ? configured.map(nodeReachable)
      : [ok('node-reachable', 'node-reachable.none', {})]),
    clockOffset(facts),
    softwareVersions(facts),
    certificate(facts),
    ...peerCertificates(facts),
  ];
}

function clientsInterface({ clientsInterface: c }: DiagnosisFacts): DiagnosisLine {
  const check = 'clients-interface';
  if (c.ownedByApplication) return ok(check, 'clients-interface.owned', { port: c.port });
  if (c.listening) return ok(check, 'clients-interface.listening', { bind: c.bind, port: c.port });
  return line(check, 'error', 'clients-interface.closed', {}, { hintCode: 'listen' });
}

function advertisedAddress({ advertised }: DiagnosisFacts): DiagnosisLine {
  const check = 'advertised-address';
  const address = `${advertised.host}:${advertised.port}`;
  const answer = advertised.answer;
  const advertisedHint = { hintCode: 'advertised' } as const;
  switch (answer.outcome) {
    case 'self':
      return ok(check, 'advertised-address.self', { address });
    case 'other-node':
      return line(
        check,
        'error',
        'advertised-address.other-node',
        { address, nodeId: answer.nodeId },
        advertisedHint,
      );
    case 'not-checked':
      return line(
        check,
        'warning',
        'advertised-address.not-checked',
        { address, detail: answer.detail },
        {
          reason: answer.reason,
        },
      );
    case 'not-mesh':
      return line(
        check,
        'error',
        'advertised-address.not-mesh',
        { address, detail: answer.detail },
        advertisedHint,
      );
    default:
      return line(
        check,
        'error',
        'advertised-address.unreachable',
        { address, detail: `${answer.outcome}: ${answer.detail}` },
        advertisedHint,
      );
  }
}

function discovery({ discovery: d, nodes }: DiagnosisFacts): DiagnosisLine {
  const check = 'discovery';
  if (d.off !== undefined) {
    return nodes.some((node) => node.connect)
      ? ok(check, 'discovery.off', { why: d.off })
      : line(check, 'warning', 'discovery.off-alone', { why: d.off }, { hintCode: 'search-off-alone' });
  }
  if (d.interfaces.length === 0) {
    return line(check, 'error', 'discovery.no-interface', {}, { hintCode: 'no-interface' });
  }
  const interfaces = d.interfaces.join(', ');
  if (d.announcementsSent === 0) {
    return line(check, 'warning', 'discovery.not-sent', { interfaces }, { hintCode: 'not-sent' });
  }
  if (d.announcementsReceived === 0) {
    return line(
      check,
      'warning',
      'discovery.nothing-received',
      { interfaces, sent: d.announcementsSent },
      { hintCode: 'nothing-received' },
    );
  }
  return ok(check, 'discovery.ok', {
    interfaces,
    sent: d.announcementsSent,
    received: d.announcementsReceived,
    last: d.lastReceivedAt ?? '?',
  });
}

function nodeReachable(node: NodeFacts): DiagnosisLine {
  const check = 'node-reachable';
  const address = `${node.host}:${node.port}`;
  const { status, probe } = node;
  const at = (found: DiagnosisLine): DiagnosisLine => ({ ...found, node: address });
  if (status.state === 'connected') return at(ok(check, 'node-reachable.linked', { address }));
  if (probe && probe.outcome !== 'open') {
    // What the probe found now outweighs an older link failure.
    if (probe.outcome === 'refused') {
      return at(
        line(
          check,
          'error',
          'node-reachable.refused',
          { address, detail: probe.detail },
          { reason: 'unreachable' },
        ),
      );
    }
    const reason = probe.outcome === 'timeout' ? 'timeout' : 'unreachable';
    return at(
      line(
        check,
        'error',
        'node-reachable.no-answer',
        { address, outcome: probe.outcome, detail: probe.detail },
        { reason },
      ),
    );
  }
  if (status.state === 'error' && status.reason !== undefined) {
    const severity = status.reason === 'duplicate' ? 'ok' : 'error';
    const params = { address, reason: status.reason, detail: status.message ?? '' };
    return at(line(check, severity, 'node-reachable.failed', params, { reason: status.reason }));
  }
  if (status.state === 'disabled') {
    const params = { address, detail: status.message ?? 'disabled' };
    return at(line(check, 'warning', 'node-reachable.disabled', params, { hintCode: 'not-linked-yet' }));
  }
  return at(
    line(
      check,
      'warning',
      'node-reachable.pending',
      { address, state: status.state },
      { hintCode: 'not-linked-yet' },
    ),
  );
}

function clockOffset({ nodes, maxClockOffsetMs }: DiagnosisFacts): DiagnosisLine {
  const check = 'clock-offset';
  const measured = nodes.flatMap((node) => {
    const offset = node.status.clockOffsetMs;
    if (offset === undefined) return [];
    return [{ address: `${node.host}:${node.port}`, offset, refused: node.status.reason === 'clock-skew' }];
  });
  if (measured.length === 0) return ok(check, 'clock-offset.none', {});
  // Signed, so no word for ahead or behind needs translating: + is the peer ahead.
  const listed = (list: typeof measured) =>
    list.map((m) => `${m.address} ${m.offset >= 0 ? '+' : '−'}${seconds(Math.abs(m.offset))}`).join('; ');
  const limit = seconds(maxClockOffsetMs);
  const skewed = measured.filter((m) => m.refused || Math.abs(m.offset) > maxClockOffsetMs);
  if (skewed.length > 0) {
    return line(
      check,
      'error',
      'clock-offset.skew',
      { limit, nodes: listed(skewed) },
      { reason: 'clock-skew' },
    );
  }
  const drifting = measured.filter((m) => Math.abs(m.offset) > CLOCK_WARNING_MS);
  if (drifting.length > 0) {
    const params = { warnAt: seconds(CLOCK_WARNING_MS), limit, nodes: listed(drifting) };
    return line(check, 'warning', 'clock-offset.drift', params, { reason: 'clock-skew' });
  }
  const worst = Math.ceil(Math.max(...measured.map((m) => Math.abs(m.offset))));
  return ok(check, 'clock-offset.ok', { count: measured.length, worst });
}

function softwareVersions({ nodes, version }: DiagnosisFacts): DiagnosisLine {
  const check = 'software-version';
  const others = new Map<string, string[]>();
  for (const node of nodes) {
    const theirs = node.status.state === 'connected' ? node.status.version : undefined;
    if (theirs === undefined || theirs === version) continue;
    others.set(theirs, [...(others.get(theirs) ?? []), `${node.host}:${node.port}`]);
  }
  if (others.size === 0) return ok(check, 'software-version.same', { version });
  const listed = [...others].map(([v, where]) => `${v} (${where.join(', ')})`).join('; ');
  return line(
    check,
    'warning',
    'software-version.mixed',
    { version, others: listed },
    { hintCode: 'versions' },
  );
}

function certificate({ certificate: cert, now }: DiagnosisFacts): DiagnosisLine {
  if (!cert) return ok('certificate', 'certificate.none', {});
  return expiry('certificate', { subject: cert.subject }, cert.validTo, now, 'certificate');
}

function peerCertificates({ nodes, now }: DiagnosisFacts): DiagnosisLine[] {
  return nodes.flatMap((node) => {
    const expires = node.status.state === 'connected' ? node.status.tls?.peerCertificateExpires : undefined;
    if (expires === undefined) return [];
    const address = `${node.host}:${node.port}`;
    return [{ ...expiry('peer-certificate', { address }, expires, now, 'peer-certificate'), node: address }];
  });
}

function expiry(
  check: 'certificate' | 'peer-certificate',
  params: Params,
  validTo: string,
  now: number,
  hintCode: DiagnosisHintCode,
): DiagnosisLine {
  const expires = Date.parse(validTo);
  const date = validTo;
  if (expires <= now) return line(check, 'error', `${check}.expired`, { ...params, date }, { hintCode });
  const days = Math.floor((expires - now) / DAY_MS);
  if (days < CERTIFICATE_WARNING_DAYS) {
    return line(check, 'warning', `${check}.expiring`, { ...params, date, days }, { hintCode });
  }
  return ok(check, `${check}.valid`, { ...params, date });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function ok(check: DiagnosisCheck, code: DiagnosisCode, params: Params): DiagnosisLine {
  return {
    check,
    status: 'ok',
    code,
    params,
    message: fillTemplate(DIAGNOSIS_MESSAGES[code], params),
    hint: '',
  };
}

function line(
  check: DiagnosisCheck,
  status: DiagnosisLine['status'],
  code: DiagnosisCode,
  params: Params,
  hint: Hint,
): DiagnosisLine {
  return {
    check,
    status,
    code,
    params,
    message: fillTemplate(DIAGNOSIS_MESSAGES[code], params),
    ...('reason' in hint
      ? { reason: hint.reason, hint: LINK_HINTS[hint.reason] }
      : { hintCode: hint.hintCode, hint: DIAGNOSIS_HINTS[hint.hintCode] }),
  };
}
