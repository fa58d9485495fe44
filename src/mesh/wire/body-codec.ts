import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import { FRAME_HEADER_BYTES } from './frame-decoder.js';
import { ProtocolError } from './protocol.error.js';
import { errorMessage } from '../../common/describe-error.js';

// Plain MessagePack maps (no record extension): any MessagePack library can speak to a node.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** MessagePack bytes of a frame body. */
export function encodeBody(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * A whole frame, `u32 length ‖ MessagePack`, encoded in place behind room left for the length:
 * no second buffer and no copy per message on the hot path.
 */
export function encodeFrame(value: unknown): Buffer {
  const framed = packr.pack(value, RESERVE_START_SPACE | FRAME_HEADER_BYTES);
  framed.writeUInt32BE(framed.length - FRAME_HEADER_BYTES, 0);
  return framed;
}

/** @throws ProtocolError when the bytes are not one whole MessagePack value. */
export function decodeBody(body: Uint8Array): unknown {
  try {
    // `unpack` throws unless the bytes hold exactly one value ("end of buffer not reached").
    return packr.unpack(body) as unknown;
  } catch (error: unknown) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`undecodable frame: ${errorMessage(error)}`);
  }
}
