import type { TopologyLinkState } from './mesh-topology.js';

/** The `MeshStateService` map in which every node keeps its own link table, keyed by peer node ID. */
export const LINK_REPORTS_MAP = 'mesh.links';

/** One entry of a node's link table: its link to one peer, and where that peer is. */
export interface LinkReport {
  state: TopologyLinkState;
  reason?: string;
  transport?: 'tls' | 'tcp';
  rttMs?: number;
  /** When state or reason last changed, ms since the epoch. */
  since: number;
  /** The peer's computer name and port, as the reporter lists or was told it. */
  host: string;
  port: number;
  /** The peer's software version, when the reporter was linked to it. */
  version?: string;
}

/**
 * A report as it travels (short names: the table goes to every linked peer, and again at each
 * notable change).
 */
interface WireReport {
  s: string;
  r?: string;
  t?: string;
  rtt?: number;
  at: number;
  h: string;
  p: number;
  v?: string;
}

const STATES: ReadonlySet<string> = new Set<TopologyLinkState>([
  'connected',
  'connecting',
  'error',
  'disabled',
  'idle',
]);
/** Reason words as the link reasons are spelled; a newer peer's unknown word passes, shown as it is. */
const REASON = /^[a-z][a-z0-9-]{0,47}$/;
const NODE_ID = /^[0-9a-f-]{36}$/i;
// Control characters and lone surrogates: names are shown on the page and in logs.
const UNFIT = /[\p{Cc}\p{Cs}]/u;
/** A round trip beyond this is no measurement of a LAN link. */
const MAX_RTT_MS = 600_000;
const MAX_HOST = 253;
const MAX_VERSION = 64;

/**
 * A published round trip changes only by at least this much and by a factor of `RTT_RATIO` (up or
 * down): what every node is told is the scale of a link's round trip, not its jitter — on a busy
 * machine LAN round trips of 0.3 ms jump to tens of ms and back, and each change goes to every
 * peer. This node's own links show their latest round trip anyway.
 */
export const RTT_MIN_STEP_MS = 20;
export const RTT_RATIO = 2;

/** The report as it is stored and sent. */
export function encodeLinkReport(report: LinkReport): WireReport {
  return {
    s: report.state,
    ...(report.reason !== undefined && { r: report.reason }),
    ...(report.transport !== undefined && { t: report.transport }),
    ...(report.rttMs !== undefined && { rtt: report.rttMs }),
    at: report.since,
    h: report.host,
    p: report.port,
    ...(report.version !== undefined && { v: report.version }),
  };
}

/**
 * A peer's report of its link to `peer` (the entry's key), checked field by field: undefined when
 * the key is no node ID, names the reporter itself, or any field is out of range. A report is the
 * reporter's claim about its own links, nothing more.
 */
export function readLinkReport(reporter: string, peer: string, value: unknown): LinkReport | undefined {
  if (!isNodeId(peer) || peer === reporter) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const wire = value as Partial<Record<keyof WireReport, unknown>>;
  const { s, r, t, rtt, at, h, p, v } = wire;
  if (typeof s !== 'string' || !STATES.has(s)) return undefined;
  if (r !== undefined && !(typeof r === 'string' && REASON.test(r))) return undefined;
  if (t !== undefined && t !== 'tls' && t !== 'tcp') return undefined;
  if (rtt !== undefined && !(typeof rtt === 'number' && rtt >= 0 && rtt <= MAX_RTT_MS)) return undefined;
  if (!(typeof at === 'number' && Number.isSafeInteger(at) && at >= 0)) return undefined;
  if (!isText(h, MAX_HOST)) return undefined;
  if (!(typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535)) return undefined;
  if (v !== undefined && !isText(v, MAX_VERSION)) return undefined;
  return {
    state: s as TopologyLinkState,
    ...(r !== undefined && { reason: r }),
    ...(t !== undefined && { transport: t }),
    // Only a link up has a round trip: one on a link down is stale.
    ...(rtt !== undefined && s === 'connected' && { rttMs: rtt }),
    since: at,
    host: h,
    port: p,
    ...(v !== undefined && { version: v }),
  };
}

/**
 * Whether a peer's changed entry says its link to `peer` just died for want of an answer (a new
 * `timeout`, not one it reported before): the peer may be frozen or cut off, and since a quiet link
 * probes rarely, this node should probe it now. The report only starts a check of this node's own.
 */
export function reportsNewTimeout(
  reporter: string,
  peer: string,
  value: unknown,
  previous: unknown,
): boolean {
  const now = readLinkReport(reporter, peer, value);
  if (!now || now.state === 'connected' || now.reason !== 'timeout') return false;
  const before = readLinkReport(reporter, peer, previous);
  return !(before?.reason === 'timeout' && before.since === now.since);
}

/** Whether `value` looks like a node ID (a UUID). */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID.test(value);
}

/**
 * The round trip to publish: the measured one when none is published or it moved notably (by
 * `RTT_MIN_STEP_MS` and a factor of `RTT_RATIO`), else the published one — so a steady
 * link's jitter sends nothing.
 */
export function publishedRtt(
  published: number | undefined,
  measured: number | undefined,
): number | undefined {
  if (measured === undefined) return undefined;
  if (published === undefined) return measured;
  const moved = Math.abs(measured - published);
  const ratio = Math.max(measured, published) / Math.min(measured, published);
  return moved >= RTT_MIN_STEP_MS && ratio >= RTT_RATIO ? measured : published;
}

/**
 * The round trip a refresh publishes. Only the periodic one (`periodic`) sends a round trip that
 * moved (`publishedRtt`); a refresh for an event keeps the published one and sends only a link's
 * first — or peers that refresh on each other's tables would keep sending each other round trips.
 */
export function rttToPublish(
  published: number | undefined,
  measured: number | undefined,
  periodic: boolean,
): number | undefined {
  if (measured === undefined) return undefined;
  return periodic ? publishedRtt(published, measured) : (published ?? measured);
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !UNFIT.test(value);
}
