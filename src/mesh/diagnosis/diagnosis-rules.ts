import type { DiscoveryReport } from '../discovery/discovery.service.js';
import { LINK_HINTS } from '../link/link-hints.js';
import type { LinkStatus } from '../link/link-status.js';

/** One finding of `GET /api/mesh/diagnose`. */
export interface DiagnosisLine {
  check: DiagnosisCheck;
  status: 'ok' | 'warning' | 'error';
  /** What was found, in English. */
  message: string;
  /** What to do about it (the link reason's hint where one applies); empty when all is well. */
  hint: string;
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

const HINTS = {
  listen:
    'the clients network interface could not be opened; check the log for why (port in use, bind address not on this computer)',
  advertised:
    "peers dial the advertised address: set the node's host (MESH_HOST) and port (MESH_PORT) to a name or address and port where the other nodes reach this node",
  searchOffAlone: 'add the other nodes as fixed nodes, or switch the automatic search on in the settings',
  noInterface:
    'set MESH_DISCOVERY_INTERFACE to an IPv4 address of this computer, or give it a non-internal IPv4 interface',
  notSent:
    'wait one search interval; if it stays so, check the log for send errors (no multicast route on the interface)',
  nothingReceived:
    'check that the other nodes search too, with the same mesh ID and password, and that multicast DNS (UDP port 5353) passes between them',
  notLinkedYet: 'wait a moment: the node is being dialled; if it stays so, check its status and the log',
  versions: 'run the same UC Mesh version on every node; update the older ones',
  certificate:
    'replace the certificate: write new PEM files to the configured paths or PUT /api/mesh/tls; new links use it at once',
  peerCertificate: 'replace the certificate on that node (new PEM files or PUT /api/mesh/tls there)',
} as const;

/** Turns the facts into the diagnosis, one line per check (per node for the nodes). Pure. */
export function diagnose(facts: DiagnosisFacts): DiagnosisLine[] {
  return [
    clientsInterface(facts),
    advertisedAddress(facts),
    discovery(facts),
    ...facts.nodes.filter((node) => node.connect).map(nodeReachable),
    ...(facts.nodes.some((node) => node.connect) ? [] : [noNodes()]),
    clockOffset(facts),
    softwareVersions(facts),
    certificate(facts),
    ...peerCertificates(facts),
  ];
}

function clientsInterface({ clientsInterface: c }: DiagnosisFacts): DiagnosisLine {
  const check = 'clients-interface';
  if (c.ownedByApplication) {
    return ok(check, `the application owns port ${c.port} and hands mesh connections over`);
  }
  if (c.listening) return ok(check, `the clients network interface listens on ${c.bind}:${c.port}`);
  return line(check, 'error', 'the clients network interface does not listen', HINTS.listen);
}

function advertisedAddress({ advertised }: DiagnosisFacts): DiagnosisLine {
  const check = 'advertised-address';
  const where = `${advertised.host}:${advertised.port}`;
  const answer = advertised.answer;
  switch (answer.outcome) {
    case 'self':
      return ok(check, `this node answers at its advertised address ${where}`);
    case 'other-node':
      return line(
        check,
        'error',
        `another mesh node (${answer.nodeId}) answers at ${where}, the address this node advertises`,
        HINTS.advertised,
      );
    case 'not-mesh':
      return line(
        check,
        'error',
        `something that is not this node answers at ${where}, the address this node advertises (${answer.detail})`,
        HINTS.advertised,
      );
    default:
      return line(
        check,
        'error',
        `this node cannot be reached at ${where}, the address it advertises to its peers (${answer.outcome}: ${answer.detail})`,
        HINTS.advertised,
      );
  }
}

function discovery({ discovery: d, nodes }: DiagnosisFacts): DiagnosisLine {
  const check = 'discovery';
  if (d.off !== undefined) {
    const fixed = nodes.some((node) => node.connect);
    return fixed
      ? ok(check, `the automatic search is off (${d.off}); the configured nodes are linked without it`)
      : line(
          check,
          'warning',
          `the automatic search is off (${d.off}) and no node is configured: this node links to nobody`,
          HINTS.searchOffAlone,
        );
  }
  if (d.interfaces.length === 0) {
    return line(
      check,
      'error',
      'the automatic search runs but has no interface to search on',
      HINTS.noInterface,
    );
  }
  const on = d.interfaces.join(', ');
  if (d.announcementsSent === 0) {
    return line(check, 'warning', `the search on ${on} has not sent an announcement yet`, HINTS.notSent);
  }
  if (d.announcementsReceived === 0) {
    return line(
      check,
      'warning',
      `the search on ${on} sent ${d.announcementsSent} announcements but received none from other nodes`,
      HINTS.nothingReceived,
    );
  }
  return ok(
    check,
    `the search on ${on} sent ${d.announcementsSent} announcements and received ${d.announcementsReceived}, the last at ${d.lastReceivedAt ?? '?'}`,
  );
}

function nodeReachable(node: NodeFacts): DiagnosisLine {
  const check = 'node-reachable';
  const where = `${node.host}:${node.port}`;
  const { status, probe } = node;
  const at = (l: DiagnosisLine): DiagnosisLine => ({ ...l, node: where });
  if (status.state === 'connected') return at(ok(check, `${where} is linked`));
  if (probe && probe.outcome !== 'open') {
    const reason = probe.outcome === 'timeout' ? 'timeout' : 'unreachable';
    const what =
      probe.outcome === 'refused' ? 'refuses the connection' : `does not answer (${probe.outcome})`;
    return at(line(check, 'error', `${where} ${what}: ${probe.detail}`, LINK_HINTS[reason]));
  }
  if (status.state === 'error' && status.reason !== undefined) {
    const severity = status.reason === 'duplicate' ? 'ok' : 'error';
    const message = `${where} is not linked: ${status.reason}${status.message ? ` — ${status.message}` : ''}`;
    return at(line(check, severity, message, LINK_HINTS[status.reason]));
  }
  if (status.state === 'disabled') {
    return at(
      line(check, 'warning', `${where} is not linked: ${status.message ?? 'disabled'}`, HINTS.notLinkedYet),
    );
  }
  return at(line(check, 'warning', `${where} is not linked yet (${status.state})`, HINTS.notLinkedYet));
}

function noNodes(): DiagnosisLine {
  return ok('node-reachable', 'no other node is configured or found');
}

function clockOffset({ nodes, maxClockOffsetMs }: DiagnosisFacts): DiagnosisLine {
  const check = 'clock-offset';
  const measured = nodes.flatMap((node) => {
    const offset = node.status.clockOffsetMs;
    if (offset === undefined) return [];
    return [{ where: `${node.host}:${node.port}`, offset, refused: node.status.reason === 'clock-skew' }];
  });
  if (measured.length === 0) return ok(check, 'no clock offset measured (no linked node sends clock stamps)');
  const describe = (m: (typeof measured)[number]) =>
    `${m.where} is ${seconds(Math.abs(m.offset))} ${m.offset >= 0 ? 'ahead' : 'behind'}`;
  const skewed = measured.filter((m) => m.refused || Math.abs(m.offset) > maxClockOffsetMs);
  if (skewed.length > 0) {
    return line(
      check,
      'error',
      `clocks differ beyond the limit of ${seconds(maxClockOffsetMs)}: ${skewed.map(describe).join('; ')}`,
      LINK_HINTS['clock-skew'],
    );
  }
  const off = measured.filter((m) => Math.abs(m.offset) > CLOCK_WARNING_MS);
  if (off.length > 0) {
    return line(
      check,
      'warning',
      `clocks differ by more than ${seconds(CLOCK_WARNING_MS)} (limit ${seconds(maxClockOffsetMs)}): ${off.map(describe).join('; ')}`,
      LINK_HINTS['clock-skew'],
    );
  }
  const worst = Math.max(...measured.map((m) => Math.abs(m.offset)));
  return ok(
    check,
    `the clocks of ${measured.length} linked nodes agree with this one within ${Math.ceil(worst)} ms`,
  );
}

function softwareVersions({ nodes, version }: DiagnosisFacts): DiagnosisLine {
  const check = 'software-version';
  const byVersion = new Map<string, string[]>([[version, ['this node']]]);
  for (const node of nodes) {
    const theirs = node.status.state === 'connected' ? node.status.version : undefined;
    if (theirs === undefined) continue;
    byVersion.set(theirs, [...(byVersion.get(theirs) ?? []), `${node.host}:${node.port}`]);
  }
  if (byVersion.size === 1) return ok(check, `every linked node runs ${version}`);
  const listed = [...byVersion].map(([v, who]) => `${v} (${who.join(', ')})`).join('; ');
  return line(check, 'warning', `the linked nodes run different versions: ${listed}`, HINTS.versions);
}

function certificate({ certificate: cert, now }: DiagnosisFacts): DiagnosisLine {
  const check = 'certificate';
  if (!cert) return ok(check, 'encryption is off: this node has no certificate');
  return expiry(check, `this node's certificate (${cert.subject})`, cert.validTo, now, HINTS.certificate);
}

function peerCertificates({ nodes, now }: DiagnosisFacts): DiagnosisLine[] {
  return nodes.flatMap((node) => {
    const expires = node.status.state === 'connected' ? node.status.tls?.peerCertificateExpires : undefined;
    if (expires === undefined) return [];
    const where = `${node.host}:${node.port}`;
    const found = expiry(
      'peer-certificate',
      `the certificate of ${where}`,
      expires,
      now,
      HINTS.peerCertificate,
    );
    return [{ ...found, node: where }];
  });
}

function expiry(
  check: DiagnosisCheck,
  what: string,
  validTo: string,
  now: number,
  hint: string,
): DiagnosisLine {
  const expires = Date.parse(validTo);
  if (expires <= now) return line(check, 'error', `${what} expired on ${validTo}`, hint);
  const days = Math.floor((expires - now) / DAY_MS);
  if (days < CERTIFICATE_WARNING_DAYS) {
    return line(check, 'warning', `${what} expires on ${validTo}, in ${days} days`, hint);
  }
  return ok(check, `${what} is valid until ${validTo}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function ok(check: DiagnosisCheck, message: string): DiagnosisLine {
  return { check, status: 'ok', message, hint: '' };
}

function line(
  check: DiagnosisCheck,
  status: DiagnosisLine['status'],
  message: string,
  hint: string,
): DiagnosisLine {
  return { check, status, message, hint };
}
