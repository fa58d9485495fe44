/** `u32 big-endian length ‖ JSON` in one buffer: the framing of the raw-socket baseline. */
export function encodeJsonFrame(value: unknown): Buffer {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, 4, 'utf8');
  return frame;
}

/** Splits a byte stream into length-prefixed JSON frames and parses each one. */
export class JsonFrameReader {
  private rest?: Buffer;

  constructor(private readonly onValue: (value: unknown) => void) {}

  push(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 4) {
      const end = offset + 4 + data.readUInt32BE(offset);
      if (end > data.length) break;
      this.onValue(JSON.parse(data.toString('utf8', offset + 4, end)));
      offset = end;
    }
    this.rest = offset < data.length ? data.subarray(offset) : undefined;
  }
}
