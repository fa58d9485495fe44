import { ProtocolError } from './protocol.error.js';

/** Bytes of the big-endian length that precedes every frame body. */
export const FRAME_HEADER_BYTES = 4;
/** Default largest frame body: CallData batches fit, a hostile length does not. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Splits a byte stream into frame bodies (`u32 length ‖ body`). Chunks are kept by reference
 * until a frame is complete, so a frame split over many chunks is copied once.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header plus body of the partial frame, once its header has arrived; else 0. */
  private needed = 0;

  /**
   * @param strictMaxFrameBytes a lower limit in force until `relax()` — for the handshake, so a
   *   stranger cannot make a node buffer megabytes before it has proved anything.
   */
  constructor(
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    private strictMaxFrameBytes?: number,
  ) {}

  /** Lifts the handshake limit: the peer is authenticated. */
  relax(): void {
    this.strictMaxFrameBytes = undefined;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and returns the frames they complete, in order.
   * @throws ProtocolError for a frame longer than the maximum (checked before it is buffered).
   */
  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.needed > this.buffered) return [];
      data = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
    }
    const frames: Buffer[] = [];
    let offset = 0;
    this.needed = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      const limit = this.strictMaxFrameBytes ?? this.maxFrameBytes;
      if (length > limit) {
        throw new ProtocolError(`frame of ${length} bytes exceeds the maximum of ${limit}`);
      }
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > data.length) {
        this.needed = FRAME_HEADER_BYTES + length;
        break;
      }
      frames.push(data.subarray(offset + FRAME_HEADER_BYTES, end));
      offset = end;
    }
    this.buffered = data.length - offset;
    if (this.buffered > 0) this.chunks.push(data.subarray(offset));
    return frames;
  }

  /** Call at end of stream: a partial frame then is a truncation. */
  end(): void {
    if (this.buffered > 0) {
      throw new ProtocolError(`connection ended inside a frame (${this.buffered} bytes pending)`);
    }
  }
}

/** `u32 length ‖ body` in one buffer. */
export function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}
