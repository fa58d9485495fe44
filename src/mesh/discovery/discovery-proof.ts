import { createHmac, timingSafeEqual } from 'node:crypto';
import { updateLengthPrefixed } from '../../common/length-prefixed.js';
import type { MeshKey } from '../handshake/mesh-key.js';

/**
 * The membership proof a node puts in its DNS-SD TXT record. Whoever holds the mesh key (mesh ID
 * + password) can check it; nobody else learns the mesh ID from it or can forge one.
 *
 * TXT entries (RFC 6763 `key=value`, each at most 255 bytes):
 *
 * | key    | value                                                              |
 * | ------ | ------------------------------------------------------------------ |
 * | `v`    | `1`, the format version                                            |
 * | `id`   | the node ID (a UUID)                                               |
 * | `host` | the advertised host (`MESH_HOST`) that peers dial                  |
 * | `port` | the port of the clients network interface                          |
 * | `w`    | the time window, `floor(unixMs / 30000)`                           |
 * | `mac`  | base64url HMAC-SHA256 under the discovery key over v, id, host, port, w |
 *
 * The packet's source address is deliberately **not** covered: a receiver sees whichever address
 * the sender's interface has on that LAN, which differs per interface on a multi-homed node and
 * from `host` when that is a name. Leaving it out costs nothing: a receiver dials `host:port`,
 * which the MAC covers, and the link handshake authenticates the node again. Replaying a captured
 * record from elsewhere can only point others to the real member, and only within the window.
 */

/** A key used for discovery only; see {@link deriveDiscoveryKey}. */
export type DiscoveryKey = Buffer & { readonly __discoveryKey: true };

/** What a verified announcement tells: a member of this mesh, to be dialled at `host:port`. */
export interface Announcement {
  nodeId: string;
  host: string;
  port: number;
}

export const DISCOVERY_VERSION = '1';
/** Length of a time window; a record is accepted in its own window and the one either side. */
export const DISCOVERY_WINDOW_MS = 30_000;
/** Longest host that fits a TXT entry (`host=` + 250 bytes = 255). */
export const MAX_HOST_BYTES = 250;

const KEY_LABEL = 'ucmesh/v1/discovery-key\0';
const MAC_LABEL = 'ucmesh/v1/discovery-mac\0';
const MAC_BYTES = 32;
const MAX_TXT_ENTRIES = 16;
const MAX_TXT_ENTRY_BYTES = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CANONICAL_UINT = /^(0|[1-9][0-9]{0,15})$/;
const BASE64URL_MAC = /^[A-Za-z0-9_-]{43}$/;
/** No whitespace, no control or format characters: the host is dialled and shown as it is. */
const HOST = /^[^\s\p{C}]+$/u;

/**
 * Derives the discovery key from the mesh key with HMAC-SHA256 under a fixed label, so discovery
 * never uses the handshake keys themselves. `authKey` depends on mesh ID and password (scrypt, salt
 * bound to the mesh ID), so another mesh ID or another password yields an unrelated key.
 */
export function deriveDiscoveryKey(key: MeshKey): DiscoveryKey {
  return createHmac('sha256', key.authKey).update(KEY_LABEL).update(key.idKey).digest() as DiscoveryKey;
}

/** The time window of a moment. */
export function discoveryWindow(unixMs: number): number {
  return Math.floor(unixMs / DISCOVERY_WINDOW_MS);
}

/**
 * The TXT entries announcing this node at `nowMs`.
 * @throws RangeError when the host or port cannot be announced (too long, not a port).
 */
export function announcementTxt(self: Announcement, key: DiscoveryKey, nowMs: number): string[] {
  if (!UUID.test(self.nodeId)) throw new RangeError(`discovery: node ID ${self.nodeId} is not a UUID`);
  if (!validHost(self.host)) {
    throw new RangeError(
      `discovery: host "${self.host}" cannot be announced (1 to ${MAX_HOST_BYTES} bytes, no spaces)`,
    );
  }
  if (!validPort(self.port)) throw new RangeError(`discovery: port ${self.port} cannot be announced`);
  const fields = {
    v: DISCOVERY_VERSION,
    id: self.nodeId,
    host: self.host,
    port: String(self.port),
    w: String(discoveryWindow(nowMs)),
  };
  return [
    `v=${fields.v}`,
    `id=${fields.id}`,
    `host=${fields.host}`,
    `port=${fields.port}`,
    `w=${fields.w}`,
    `mac=${mac(key, fields).toString('base64url')}`,
  ];
}

/**
 * Checks a received TXT record (as dns-packet decodes it: an array of Buffers, or strings).
 * Returns the announcement only when its MAC verifies under `key` and its window is within one of
 * now's; anything else (another mesh, a wrong password, a tampered field, a stale record,
 * malformed data of any shape) gives undefined. Never throws.
 */
export function verifyAnnouncement(txt: unknown, key: DiscoveryKey, nowMs: number): Announcement | undefined {
  try {
    const entries = parseTxt(txt);
    if (!entries) return undefined;
    const v = entries.get('v');
    const id = entries.get('id');
    const host = entries.get('host');
    const port = entries.get('port');
    const w = entries.get('w');
    const presented = entries.get('mac');
    if (v !== DISCOVERY_VERSION || id === undefined || !UUID.test(id)) return undefined;
    if (host === undefined || !validHost(host)) return undefined;
    if (port === undefined || !CANONICAL_UINT.test(port) || !validPort(Number(port))) return undefined;
    if (w === undefined || !CANONICAL_UINT.test(w)) return undefined;
    if (presented === undefined || !BASE64URL_MAC.test(presented)) return undefined;
    if (Math.abs(Number(w) - discoveryWindow(nowMs)) > 1) return undefined;
    const expected = mac(key, { v, id, host, port, w });
    const given = Buffer.from(presented, 'base64url');
    // The 43rd character carries 2 spare bits: only the canonical spelling counts.
    if (given.length !== MAC_BYTES || given.toString('base64url') !== presented) return undefined;
    if (!timingSafeEqual(expected, given)) return undefined;
    return { nodeId: id.toLowerCase(), host, port: Number(port) };
  } catch {
    // Defensive only: every path above is checked; a received packet must never throw.
    return undefined;
  }
}

/** Length-prefixed fields, so no two different field sets hash alike. */
function mac(key: DiscoveryKey, fields: { v: string; id: string; host: string; port: string; w: string }) {
  const hmac = createHmac('sha256', key).update(MAC_LABEL);
  return updateLengthPrefixed(hmac, [fields.v, fields.id, fields.host, fields.port, fields.w]).digest();
}

/** `key=value` entries; undefined for anything but a small list of them with unique keys. */
function parseTxt(txt: unknown): Map<string, string> | undefined {
  const items: unknown[] = Array.isArray(txt) ? txt : [txt];
  if (items.length === 0 || items.length > MAX_TXT_ENTRIES) return undefined;
  const entries = new Map<string, string>();
  for (const item of items) {
    let text: string;
    if (Buffer.isBuffer(item)) {
      if (item.length > MAX_TXT_ENTRY_BYTES) return undefined;
      text = item.toString('utf8');
    } else if (typeof item === 'string') {
      if (Buffer.byteLength(item, 'utf8') > MAX_TXT_ENTRY_BYTES) return undefined;
      text = item;
    } else {
      return undefined;
    }
    const equals = text.indexOf('=');
    if (equals <= 0) return undefined;
    const name = text.slice(0, equals).toLowerCase();
    // RFC 6763 lets the first of two equal keys win; a proof has no reason to repeat one.
    if (entries.has(name)) return undefined;
    entries.set(name, text.slice(equals + 1));
  }
  return entries;
}

function validHost(host: string): boolean {
  const bytes = Buffer.byteLength(host, 'utf8');
  return bytes >= 1 && bytes <= MAX_HOST_BYTES && HOST.test(host);
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
