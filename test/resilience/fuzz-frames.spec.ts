import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { parseHandshakeMessage } from '../../src/mesh/handshake/handshake-messages.js';
import { HANDSHAKE_MAX_FRAME_BYTES } from '../../src/mesh/link/handshake-driver.js';
import { decodeLinkFrame, encodeLinkFrame } from '../../src/mesh/link/link-frames.js';
import { decodeBody, encodeBody } from '../../src/mesh/wire/body-codec.js';
import { FRAME_HEADER_BYTES, frame, FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';
import { ProtocolError } from '../../src/mesh/wire/protocol.error.js';
import { check, fuzzParameters, fuzzRuns } from './fuzz-runs.js';

const RUNS = fuzzRuns();

function header(length: number): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_BYTES);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

/** Cuts `stream` at the given offsets (taken modulo its length), so chunks of any size arrive. */
function chunked(stream: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((cut) => (stream.length === 0 ? 0 : cut % stream.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, stream.length]) {
    chunks.push(stream.subarray(from, to));
    from = to;
  }
  return chunks;
}

/** What a peer can put on the wire: garbage, frames (some over any limit), bare headers, mixed. */
const piece = (limit: number) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 96 }).map((bytes) => Buffer.from(bytes)),
    fc.uint8Array({ maxLength: limit + 8 }).map(frame),
    fc.integer({ min: 0, max: 0xffffffff }).map(header),
    fc.integer({ min: Math.max(0, limit - 2), max: limit + 2 }).map(header),
    fc.constant(header(0xffffffff)),
  );

const stream = fc.integer({ min: 1, max: 256 }).chain((limit) =>
  fc.record({
    limit: fc.constant(limit),
    strict: fc.option(fc.integer({ min: 0, max: limit }), { nil: undefined }),
    relaxAfter: fc.nat(12),
    pieces: fc.array(piece(limit), { maxLength: 12 }),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
  }),
);

/** What a node does with one frame body on the handshake and on an established link. */
function consume(body: Buffer): void {
  const value = decodeBody(body);
  try {
    parseHandshakeMessage(value);
  } catch (error: unknown) {
    if (!(error instanceof ProtocolError)) throw error;
  }
  decodeLinkFrame(body);
}

/** Real frames of both phases, to be mutated into near-misses. */
const realBodies = [
  encodeBody({ t: 'ready' }),
  encodeBody({ t: 'auth', idProof: Buffer.alloc(32, 1), proof: Buffer.alloc(32, 2) }),
  encodeBody({ t: 'error', reason: 'protocol-error', message: 'x' }),
  ...[
    encodeLinkFrame.ping(),
    encodeLinkFrame.message('calldata.changes', { a: [1, 'b', null] }),
    encodeLinkFrame.request(7, 'presence.query', { user: 'alice' }),
    encodeLinkFrame.reply(7, { ok: true }),
    encodeLinkFrame.fault(7, 'no-handler', 'none'),
    encodeLinkFrame.close('shutdown', 'bye'),
  ].map((framed) => framed.subarray(FRAME_HEADER_BYTES)),
];

/** MessagePack type bytes a hostile peer reaches for: 32-bit lengths, extensions, reserved 0xc1. */
const hostilePrefix = fc.constantFrom(
  [0xdd, 0xff, 0xff, 0xff, 0xff],
  [0xdf, 0xff, 0xff, 0xff, 0xff],
  [0xdb, 0x7f, 0xff, 0xff, 0xff],
  [0xc6, 0xff, 0xff, 0xff, 0xff],
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0xd4, 0x72],
  [0xd4, 0x73],
  [0xd4, 0x42],
  [0xd4, 0x65],
  [0xd4, 0x74],
  [0xd6, 0xff],
  [0xc1],
);

const body = fc.oneof(
  fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withTypedArray: true }).map((value) => {
    try {
      return encodeBody(value);
    } catch {
      return Buffer.from([0xc1]); // a value msgpackr cannot encode: stands for garbage
    }
  }),
  fc
    .tuple(fc.constantFrom(...realBodies), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(8))
    .map(([real, at, flip, cut]) => {
      const copy = Buffer.from(real);
      const index = at % copy.length;
      copy[index] = (copy[index] ?? 0) ^ flip;
      return copy.subarray(0, Math.max(0, copy.length - cut));
    }),
  fc
    .tuple(hostilePrefix, fc.uint8Array({ maxLength: 32 }))
    .map(([prefix, rest]) => Buffer.concat([Buffer.from(prefix), rest])),
);

describe(`frame decoding under hostile input (${RUNS} cases per target)`, () => {
  it('any byte stream in any chunking: only ProtocolError, no frame over the limit in force, bounded buffering', () => {
    fc.assert(
      fc.property(stream, ({ limit, strict, relaxAfter, pieces, cuts }) => {
        const decoder = new FrameDecoder(limit, strict);
        let inForce = strict ?? limit;
        const chunks = chunked(Buffer.concat(pieces), cuts);
        try {
          for (const [index, chunk] of chunks.entries()) {
            // The peer proved itself mid-stream: the handshake limit is lifted from here on.
            if (index === relaxAfter) {
              decoder.relax();
              inForce = limit;
            }
            for (const body of decoder.push(chunk)) {
              check(body.length <= inForce, `a frame of ${body.length} bytes passed a limit of ${inForce}`);
            }
            // Never more held than one partial frame under the limit in force.
            check(decoder.pendingBytes < FRAME_HEADER_BYTES + inForce, `${decoder.pendingBytes} bytes held`);
          }
          decoder.end();
        } catch (error: unknown) {
          if (!(error instanceof ProtocolError) || error.reason !== 'protocol-error') throw error;
        }
      }),
      fuzzParameters(RUNS),
    );
  });

  it('a 4 GiB length header is refused at once, before any body is buffered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: HANDSHAKE_MAX_FRAME_BYTES + 1, max: 0xffffffff }),
        fc.nat(3),
        (length, split) => {
          const decoder = new FrameDecoder(undefined, HANDSHAKE_MAX_FRAME_BYTES);
          const bytes = header(length);
          // A header split anywhere inside it waits for the rest; complete, it is refused.
          const at = Math.min(split, FRAME_HEADER_BYTES - 1);
          check(decoder.push(bytes.subarray(0, at)).length === 0, 'a frame from part of a header');
          check(decoder.pendingBytes === at, `${decoder.pendingBytes} bytes held of ${at}`);
          try {
            decoder.push(Buffer.concat([bytes.subarray(at), Buffer.alloc(64)]));
          } catch (error: unknown) {
            if (error instanceof ProtocolError) return;
            throw error;
          }
          throw new Error(`a ${length}-byte header was accepted`);
        },
      ),
      fuzzParameters(Math.ceil(RUNS / 10)),
    );
  });

  it('any frame body, as the handshake and a link read it: only ProtocolError, never another throw', () => {
    fc.assert(
      fc.property(body, (bytes) => {
        try {
          consume(bytes);
        } catch (error: unknown) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }),
      fuzzParameters(RUNS),
    );
  });
});
