import { PROTOCOL_MAGIC } from '../handshake/handshake-messages.js';
import { encodeBody } from '../wire/body-codec.js';
import { FRAME_HEADER_BYTES } from '../wire/frame-decoder.js';
import { HANDSHAKE_MAX_FRAME_BYTES } from './handshake-driver.js';

/** `t: 'hello', magic: 'UCMESH'`: the first two entries of every hello map, as MessagePack. */
const HELLO_ENTRIES = Buffer.concat([
  encodeBody('t'),
  encodeBody('hello'),
  encodeBody('magic'),
  encodeBody(PROTOCOL_MAGIC),
]);

/** The longest MessagePack map header (map32: 0xdf and a u32 count). */
const MAX_MAP_HEADER_BYTES = 5;

/** The smallest body that can hold a hello's first entries (behind a fixmap header). */
const MIN_HELLO_BODY_BYTES = 1 + HELLO_ENTRIES.length;

/**
 * Bytes a host must have read for `isMeshHello` to tell for certain (a hello frame is a few
 * hundred bytes). It often tells sooner: a UC client's first byte is enough to say no.
 */
export const MESH_HELLO_SNIFF_BYTES = FRAME_HEADER_BYTES + MAX_MAP_HEADER_BYTES + HELLO_ENTRIES.length;

/**
 * Whether the first bytes of a connection are a mesh peer's hello — for a host whose own server
 * listens on the port its UC clients use and lets mesh peers in on it (`LinkService.acceptSocket`).
 * A hello is a frame `u32 length ‖ MessagePack map` whose first entries are `t: 'hello'` and
 * `magic: 'UCMESH'`. `undefined`: too few bytes so far (never with `MESH_HELLO_SNIFF_BYTES` or
 * more) and nothing against a hello yet; read more and ask again.
 */
export function isMeshHello(head: Uint8Array): boolean | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  // The length prefix with its unread bytes as zeros: if that is already too large (a client's
  // "P…", "G…", a TLS record's 0x16…), no hello follows — say so from the first byte.
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  bytes.copy(header, 0, 0, FRAME_HEADER_BYTES);
  const length = header.readUInt32BE(0);
  if (length > HANDSHAKE_MAX_FRAME_BYTES) return false;
  if (bytes.length >= FRAME_HEADER_BYTES && length < MIN_HELLO_BODY_BYTES) return false;
  if (bytes.length <= FRAME_HEADER_BYTES) return undefined;
  const mapHeader = mapHeaderBytes(bytes[FRAME_HEADER_BYTES]!);
  if (mapHeader === undefined) return false;
  const start = FRAME_HEADER_BYTES + mapHeader;
  const seen = bytes.subarray(start, start + HELLO_ENTRIES.length);
  if (!HELLO_ENTRIES.subarray(0, seen.length).equals(seen)) return false;
  return seen.length === HELLO_ENTRIES.length ? true : undefined;
}

/** Bytes of the MessagePack map header starting with `first`: nodes write map16, other encoders a fixmap. */
function mapHeaderBytes(first: number): number | undefined {
  if ((first & 0xf0) === 0x80) return 1; // fixmap
  if (first === 0xde) return 3; // map16
  if (first === 0xdf) return 5; // map32
  return undefined;
}
