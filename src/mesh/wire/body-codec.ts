import { Packr } from 'msgpackr';
import { ProtocolError } from './protocol.error.js';

// Plain MessagePack maps (no record extension): any MessagePack library can speak to a node.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** MessagePack bytes of a frame body. */
export function encodeBody(value: unknown): Buffer {
  return packr.pack(value);
}

/** @throws ProtocolError when the bytes are not one whole MessagePack value. */
export function decodeBody(body: Uint8Array): unknown {
  try {
    const values = packr.unpackMultiple(body) as unknown[];
    if (values.length !== 1) throw new Error(`${values.length} values in one frame`);
    return values[0];
  } catch (error: unknown) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`undecodable frame: ${error instanceof Error ? error.message : String(error)}`);
  }
}
