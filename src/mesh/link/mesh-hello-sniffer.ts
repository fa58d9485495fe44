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

/** Bytes a host must have read before `isMeshHello` can tell (a hello frame is a few hundred). */
export const MESH_HELLO_SNIFF_BYTES = FRAME_HEADER_BYTES + 1 + HELLO_ENTRIES.length;

/**
 * Whether the first bytes of a connection are a mesh peer's hello — for a host whose own server
 * listens on the port its UC clients use and lets mesh peers in on it (`LinkService.acceptSocket`).
 * A hello is a frame `u32 length ‖ MessagePack map` whose first entries are `t: 'hello'` and
 * `magic: 'UCMESH'`. `undefined`: fewer than `MESH_HELLO_SNIFF_BYTES` bytes so far and nothing
 * against a hello yet; read more and ask again.
 */
export function isMeshHello(head: Uint8Array): boolean | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= FRAME_HEADER_BYTES) {
    const length = bytes.readUInt32BE(0);
    if (length < MESH_HELLO_SNIFF_BYTES - FRAME_HEADER_BYTES || length > HANDSHAKE_MAX_FRAME_BYTES)
      return false;
  }
  if (bytes.length > FRAME_HEADER_BYTES && (bytes[FRAME_HEADER_BYTES]! & 0xf0) !== 0x80) return false; // a fixmap
  const seen = bytes.subarray(FRAME_HEADER_BYTES + 1, MESH_HELLO_SNIFF_BYTES);
  if (!HELLO_ENTRIES.subarray(0, seen.length).equals(seen)) return false;
  return bytes.length >= MESH_HELLO_SNIFF_BYTES ? true : undefined;
}
