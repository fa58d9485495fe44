import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeBody, encodeBody, encodeFrame } from './body-codec.js';
import { FrameDecoder } from './frame-decoder.js';
import { ProtocolError } from './protocol.error.js';

/** What `action` throws, or undefined. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
    return undefined;
  } catch (error: unknown) {
    return error ?? new Error('thrown undefined');
  }
}

describe('encodeBody / decodeBody', () => {
  it.each<[string, unknown]>([
    ['an integer', 42],
    ['a negative integer', -1_000_000],
    ['a large integer', 2 ** 40],
    ['a float', 3.25],
    ['true', true],
    ['null', null],
    ['an empty string', ''],
    ['a unicode string', 'Grüße, 世界 — ☎ 📞 \u0000 end'],
    ['an empty object', {}],
    ['an empty array', []],
    ['an array of mixed values', [1, 'two', null, false, 4.5]],
    ['a Buffer', Buffer.from([0, 1, 2, 254, 255])],
    [
      'a handshake-like message',
      { t: 'hello', magic: 'UCMESH', version: 1, port: 7222, nonce: Buffer.alloc(32, 9) },
    ],
    [
      'a nested structure',
      {
        calls: [
          { id: 'c-1', fields: { caller: 'Ådne', ext: 201 }, tags: ['vip', 'queue'] },
          { id: 'c-2', fields: {}, tags: [] },
        ],
        meta: { nested: { deeper: { deepest: [[1], [2, [3]]] } }, blob: Buffer.from('bytes') },
      },
    ],
  ])('round-trips %s', (_name, value) => {
    expect(decodeBody(encodeBody(value))).toEqual(value);
  });

  it('decodes bytes as a Buffer', () => {
    const decoded = decodeBody(encodeBody({ nonce: Buffer.alloc(32, 1) })) as { nonce: unknown };
    expect(Buffer.isBuffer(decoded.nonce)).toBe(true);
  });

  it('encodes maps as plain MessagePack maps, without the record extension', () => {
    const encoded = encodeBody({ a: 1, b: { c: 2 } });
    // fixmap, map 16 or map 32; a msgpackr record would start with ext 0xd4 0x72 or 0x40–0x7f.
    const first = encoded[0] ?? 0;
    expect((first & 0xf0) === 0x80 || first === 0xde || first === 0xdf).toBe(true);
    expect(encoded.includes(Buffer.from([0xd4, 0x72]))).toBe(false);
    // …and a map written by any other MessagePack library decodes: fixmap of 1, "a" → 1.
    expect(decodeBody(Buffer.from([0x81, 0xa1, 0x61, 0x01]))).toEqual({ a: 1 });
  });

  it('rejects two values concatenated in one body', () => {
    const body = Buffer.concat([encodeBody({ t: 'ready' }), encodeBody({ t: 'ready' })]);
    const error = thrownBy(() => decodeBody(body));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reason).toBe('protocol-error');
  });

  it('rejects a value followed by a stray byte', () => {
    expect(() => decodeBody(Buffer.concat([encodeBody('x'), Buffer.from([0x01])]))).toThrow(ProtocolError);
  });

  it('rejects an empty body', () => {
    expect(() => decodeBody(Buffer.alloc(0))).toThrow(ProtocolError);
  });

  it('rejects a truncated value', () => {
    const body = encodeBody({ text: 'a string long enough to cut', list: [1, 2, 3] });
    for (let length = 1; length < body.length; length++) {
      expect(() => decodeBody(body.subarray(0, length))).toThrow(ProtocolError);
    }
  });

  it('rejects absurdly deep nesting as a ProtocolError', () => {
    const error = thrownBy(() => decodeBody(Buffer.alloc(200_000, 0x91)));
    expect(error).toBeInstanceOf(ProtocolError);
  });

  it('rejects an unknown extension type as a ProtocolError', () => {
    // fixext 1, type 0x10, one data byte
    expect(() => decodeBody(Buffer.from([0xd4, 0x10, 0x00]))).toThrow(ProtocolError);
  });

  it('does not let a "__proto__" key pollute Object.prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": "yes"}, "t": "hello"}') as object;
    const decoded = decodeBody(encodeBody(hostile)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded.t).toBe('hello');
    expect(decoded.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('does not let a nested "__proto__" key change the prototype of the map it is in', () => {
    // {a: {"__proto__": {"isAdmin": true}}} written by hand, as a hostile peer would.
    const proto = Buffer.from('__proto__');
    const body = Buffer.concat([
      Buffer.from([0x81, 0xa1, 0x61, 0x81, 0xa0 + proto.length]),
      proto,
      Buffer.from([0x81, 0xa7]),
      Buffer.from('isAdmin'),
      Buffer.from([0xc3]),
    ]);
    const decoded = decodeBody(body) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(decoded.a)).toBe(Object.prototype);
    expect(decoded.a.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('decodeBody properties', () => {
  it('round-trips any JSON value (as JSON: MessagePack has no -0 integer)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // msgpackr renames a "__proto__" key to "__proto_" (its guard against prototype pollution).
        fc.pre(!JSON.stringify(value).includes('"__proto__"'));
        expect(JSON.stringify(decodeBody(encodeBody(value)))).toBe(JSON.stringify(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a value or throws ProtocolError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512, size: 'medium' }), (bytes) => {
        const error = thrownBy(() => decodeBody(bytes));
        if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
      }),
      { numRuns: 5000 },
    );
  });

  it('returns a value or throws ProtocolError for corrupted valid bodies', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (value, edits) => {
          const body = Buffer.from(encodeBody(value));
          for (const [at, byte] of edits) body[at % body.length] = byte;
          const error = thrownBy(() => decodeBody(body));
          if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leaves later decodes unaffected by earlier garbage', () => {
    const reference = { t: 'hello', port: 100, list: [64, 65, 127] };
    const encoded = encodeBody(reference);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        thrownBy(() => decodeBody(Buffer.concat([Buffer.from([0xd4, 0x72]), bytes])));
        thrownBy(() => decodeBody(bytes));
        expect(decodeBody(encoded)).toEqual(reference);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeFrame', () => {
  it('frames any value as `u32 length ‖ encodeBody(value)`, and earlier frames stay intact', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 40 }), (values) => {
        fc.pre(!JSON.stringify(values).includes('"__proto__"'));
        // All encoded before any is read: frames are views of one encoder buffer, never reused.
        const frames = values.map((value) => encodeFrame(value));
        const bodies = new FrameDecoder().push(Buffer.concat(frames));
        expect(bodies.map((body) => JSON.stringify(decodeBody(body)))).toEqual(
          values.map((value) => JSON.stringify(value)),
        );
        frames.forEach((framed, i) => expect(framed.subarray(4)).toEqual(encodeBody(values[i])));
      }),
      { numRuns: 1000 },
    );
  });

  it('frames a body larger than the encoder buffer', () => {
    const value = { big: 'x'.repeat(100_000) };
    const [body] = new FrameDecoder().push(encodeFrame(value));
    expect(decodeBody(body as Buffer)).toEqual(value);
  });
});
