import { FRAME_HEADER_BYTES } from '../wire/frame-decoder.js';
import { MeshPayloadTooLargeError } from './link.errors.js';

/**
 * Refuses an encoded frame the peer's decoder would refuse (it closes the link on a body above
 * its `maxFrameBytes`), before a byte of it is written.
 * @throws MeshPayloadTooLargeError
 */
export function checkFrameLimit(topic: string, frame: Buffer, maxFrameBytes: number): Buffer {
  const bodyBytes = frame.length - FRAME_HEADER_BYTES;
  if (bodyBytes > maxFrameBytes) throw new MeshPayloadTooLargeError(topic, bodyBytes, maxFrameBytes);
  return frame;
}
