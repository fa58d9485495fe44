import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LinkFailure } from '../link/link-reason.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, frame, FrameDecoder } from './frame-decoder.js';
import { ProtocolError } from './protocol.error.js';

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Cuts `stream` at the given offsets (clamped, sorted; repeats give empty chunks). */
function cutAt(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = cuts.map((cut) => Math.min(Math.max(cut, 0), stream.length)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  chunks.push(stream.subarray(start));
  return chunks;
}

/** Pushes every chunk and returns every frame, in order. */
function decodeAll(decoder: FrameDecoder, chunks: readonly Buffer[]): Buffer[] {
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

/** What a whole-stream parser makes of `stream`: the frames before the first violation, if any. */
function referenceParse(
  stream: Buffer,
  maxFrameBytes: number,
): { frames: Buffer[]; error: 'oversized' | 'truncated' | undefined } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (stream.length - offset >= FRAME_HEADER_BYTES) {
    const length = stream.readUInt32BE(offset);
    if (length > maxFrameBytes) return { frames, error: 'oversized' };
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > stream.length) return { frames, error: 'truncated' };
    frames.push(stream.subarray(offset + FRAME_HEADER_BYTES, end));
    offset = end;
  }
  return { frames, error: offset < stream.length ? 'truncated' : undefined };
}

/** Bodies as hex, so that comparing kilobytes of frames stays fast and a mismatch stays readable. */
const hex = (bodies: readonly Uint8Array[]): string[] =>
  bodies.map((body) => Buffer.from(body).toString('hex'));

/** Catches what `action` throws, for assertions on the error object itself. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('frame', () => {
  it('prefixes the body with its length as a big-endian u32', () => {
    expect(frame(text('abc'))).toEqual(Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63]));
    expect(frame(Buffer.alloc(0))).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(frame(Buffer.alloc(0x010203)).subarray(0, FRAME_HEADER_BYTES)).toEqual(Buffer.from([0, 1, 2, 3]));
  });
});

describe('FrameDecoder', () => {
  it('yields one frame pushed in one chunk', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(frame(text('hello')))).toEqual([text('hello')]);
    expect(decoder.pendingBytes).toBe(0);
    expect(() => decoder.end()).not.toThrow();
  });

  it('yields several frames from one chunk, in order', () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.concat([frame(text('one')), frame(text('two')), frame(text('three'))]);
    expect(decoder.push(chunk)).toEqual([text('one'), text('two'), text('three')]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('keeps the start of the next frame when a chunk ends inside it', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([frame(text('first')), frame(text('second'))]);
    expect(decoder.push(stream.subarray(0, 12))).toEqual([text('first')]);
    expect(decoder.pendingBytes).toBe(3);
    expect(decoder.push(stream.subarray(12))).toEqual([text('second')]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('yields the frame whatever byte boundary splits it, the header included', () => {
    const stream = frame(text('split me anywhere'));
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const first = decoder.push(stream.subarray(0, cut));
      expect(decoder.pendingBytes).toBe(cut === stream.length ? 0 : cut);
      const second = decoder.push(stream.subarray(cut));
      expect([...first, ...second]).toEqual([text('split me anywhere')]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('yields the frame whatever two byte boundaries split it into three chunks', () => {
    const stream = frame(text('three parts'));
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const decoder = new FrameDecoder();
        expect(decodeAll(decoder, cutAt(stream, [a, b]))).toEqual([text('three parts')]);
        expect(decoder.pendingBytes).toBe(0);
      }
    }
  });

  it('yields frames pushed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const bodies = [text('a'), Buffer.alloc(0), text('bcd'), text('ünïcödé ✓')];
    const stream = Buffer.concat(bodies.map(frame));
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(frames).toEqual(bodies);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('yields empty bodies for zero-length frames', () => {
    const decoder = new FrameDecoder();
    const empty = frame(Buffer.alloc(0));
    expect(decoder.push(empty)).toEqual([Buffer.alloc(0)]);
    expect(decoder.push(Buffer.concat([empty, empty, frame(text('x')), empty]))).toEqual([
      Buffer.alloc(0),
      Buffer.alloc(0),
      text('x'),
      Buffer.alloc(0),
    ]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('ignores empty chunks', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.alloc(0))).toEqual([]);
    expect(decoder.push(Buffer.from([0, 0]))).toEqual([]);
    expect(decoder.push(Buffer.alloc(0))).toEqual([]);
    expect(decoder.pendingBytes).toBe(2);
    expect(decoder.push(Buffer.from([0, 1, 0x7a]))).toEqual([text('z')]);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const decoder = new FrameDecoder(16);
    const body = Buffer.alloc(16, 7);
    expect(decoder.push(frame(body))).toEqual([body]);
  });

  it('rejects a frame one byte over the maximum, naming both sizes', () => {
    const decoder = new FrameDecoder(16);
    const error = thrownBy(() => decoder.push(frame(Buffer.alloc(17))));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toBeInstanceOf(LinkFailure);
    expect((error as ProtocolError).reason).toBe('protocol-error');
    expect((error as ProtocolError).message).toMatch(/\b17\b.*\b16\b/);
  });

  it('rejects an oversized frame from its header alone, before the body arrives', () => {
    const decoder = new FrameDecoder(16);
    expect(decoder.push(Buffer.from([0, 0]))).toEqual([]);
    expect(() => decoder.push(Buffer.from([0, 17]))).toThrow(ProtocolError);
  });

  it('rejects an oversized frame after whole frames in the same chunk', () => {
    const decoder = new FrameDecoder(16);
    const chunk = Buffer.concat([frame(text('fine')), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(() => decoder.push(chunk)).toThrow(/\b4294967295\b.*\b16\b/);
  });

  it('uses a 4 MiB maximum by default', () => {
    const decoder = new FrameDecoder();
    const body = Buffer.alloc(DEFAULT_MAX_FRAME_BYTES, 1);
    const frames = decoder.push(frame(body));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.equals(body)).toBe(true);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1, 0);
    expect(() => decoder.push(header)).toThrow(
      new RegExp(`\\b${DEFAULT_MAX_FRAME_BYTES + 1}\\b.*\\b${DEFAULT_MAX_FRAME_BYTES}\\b`),
    );
  });

  it('reports truncation when the stream ends inside a frame body', () => {
    const decoder = new FrameDecoder();
    decoder.push(frame(text('truncated')).subarray(0, 7));
    expect(decoder.pendingBytes).toBe(7);
    const error = thrownBy(() => decoder.end());
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reason).toBe('protocol-error');
    expect((error as ProtocolError).message).toMatch(/7 bytes/);
  });

  it('reports truncation when the stream ends inside a header', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.concat([frame(text('whole')), Buffer.from([0, 0, 0])]))).toEqual([
      text('whole'),
    ]);
    expect(() => decoder.end()).toThrow(ProtocolError);
  });

  it('ends cleanly after whole frames', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([frame(text('a')), frame(text('b'))]));
    expect(() => decoder.end()).not.toThrow();
    expect(() => new FrameDecoder().end()).not.toThrow();
  });

  it('does not change frames it has already returned', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([frame(text('keep')), frame(text('next'))]);
    const [first] = decoder.push(stream.subarray(0, 10));
    decoder.push(stream.subarray(10));
    expect(first).toEqual(text('keep'));
  });
});

/** Cut offsets for a stream: a few arbitrary ones, or every `size` bytes (tiny sizes hit headers). */
const cuts = fc.oneof(
  fc.array(fc.nat(), { maxLength: 24, size: 'medium' }).map((seeds) => ({ seeds, every: 0 })),
  fc.integer({ min: 1, max: 9 }).map((every) => ({ seeds: [] as number[], every })),
);

function cutsFor(stream: Buffer, spec: { seeds: number[]; every: number }): number[] {
  if (spec.every > 0) {
    const points: number[] = [];
    for (let at = spec.every; at < stream.length; at += spec.every) points.push(at);
    return points;
  }
  return spec.seeds.map((seed) => seed % (stream.length + 1));
}

describe('FrameDecoder properties', () => {
  it('yields exactly the framed bodies, in order, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 4096, size: 'max' }), { maxLength: 8 }),
        cuts,
        (bodies, cutSpec) => {
          const stream = Buffer.concat(bodies.map(frame));
          const decoder = new FrameDecoder(4096);
          const frames = decodeAll(decoder, cutAt(stream, cutsFor(stream, cutSpec)));
          expect(hex(frames)).toEqual(hex(bodies));
          expect(decoder.pendingBytes).toBe(0);
          decoder.end();
        },
      ),
      { numRuns: 2500 },
    );
  });

  it('on any byte stream, yields frames no larger than the maximum or throws only ProtocolError', () => {
    const maxFrameBytes = 48;
    // Garbage, well-formed frames (some over the maximum) and raw headers of any length, mixed.
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 64 }).map(frame),
      fc.integer({ min: 0, max: 0xffffffff }).map((length) => {
        const header = Buffer.alloc(FRAME_HEADER_BYTES);
        header.writeUInt32BE(length, 0);
        return header;
      }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), cuts, (pieces, cutSpec) => {
        const stream = Buffer.concat(pieces);
        const decoder = new FrameDecoder(maxFrameBytes);
        const frames: Buffer[] = [];
        let thrown: unknown;
        try {
          for (const chunk of cutAt(stream, cutsFor(stream, cutSpec))) frames.push(...decoder.push(chunk));
          decoder.end();
        } catch (error: unknown) {
          thrown = error ?? new Error('thrown undefined');
        }
        if (thrown !== undefined) expect(thrown).toBeInstanceOf(ProtocolError);
        for (const body of frames) expect(body.length).toBeLessThanOrEqual(maxFrameBytes);

        // And it agrees with a parser that sees the whole stream at once.
        const expected = referenceParse(stream, maxFrameBytes);
        if (expected.error === 'oversized') {
          expect(thrown).toBeDefined();
          expect(hex(frames)).toEqual(hex(expected.frames.slice(0, frames.length)));
        } else {
          expect(thrown !== undefined).toBe(expected.error === 'truncated');
          expect(hex(frames)).toEqual(hex(expected.frames));
        }
      }),
      { numRuns: 4000 },
    );
  });
});
