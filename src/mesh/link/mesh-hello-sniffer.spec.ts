import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Handshake } from '../handshake/handshake.js';
import { PROTOCOL_MAGIC } from '../handshake/handshake-messages.js';
import { SOFTWARE_VERSION } from '../software-version.js';
import { encodeBody, encodeFrame } from '../wire/body-codec.js';
import { FRAME_HEADER_BYTES, frame } from '../wire/frame-decoder.js';
import { ENCRYPTION_MODES, type EncryptionMode } from './encryption-mode.js';
import { HANDSHAKE_MAX_FRAME_BYTES } from './handshake-driver.js';
import { isMeshHello, MESH_HELLO_SNIFF_BYTES } from './mesh-hello-sniffer.js';

/** The first frame a dialling node writes, built by the handshake itself. */
function dialerHello(encryption: EncryptionMode, host = 'uc1.example'): Buffer {
  const [step] = new Handshake({
    role: 'dialer',
    self: {
      nodeId: randomUUID(),
      instanceId: randomUUID(),
      host,
      port: 7222,
      encryption,
      software: SOFTWARE_VERSION,
    },
    meshKey: { idKey: Buffer.alloc(32, 1), authKey: Buffer.alloc(32, 2) },
  }).start();
  if (step?.kind !== 'send') throw new Error('a dialer handshake starts by sending its hello');
  return frame(step.body);
}

/** The first bytes a TLS client sends: its ClientHello, as a host's TLS port sees them. */
async function tlsClientHello(): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = tlsConnect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      rejectUnauthorized: false,
    });
    client.on('error', () => undefined); // the server never answers; the client is destroyed below
    const [socket] = await accepted;
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    client.destroy();
    socket.destroy();
    return chunk;
  } finally {
    server.close();
  }
}

describe('isMeshHello', () => {
  it('recognises the hello a dialling node sends, in every encryption mode and with more bytes behind it', () => {
    for (const encryption of ENCRYPTION_MODES) {
      const hello = dialerHello(encryption);
      expect(hello.length).toBeGreaterThan(MESH_HELLO_SNIFF_BYTES);
      expect(isMeshHello(hello)).toBe(true);
      expect(isMeshHello(hello.subarray(0, MESH_HELLO_SNIFF_BYTES))).toBe(true);
      expect(isMeshHello(Buffer.concat([hello, Buffer.from('more')]))).toBe(true);
    }
  });

  it('reads a view into a larger buffer at its own offset', () => {
    const hello = dialerHello('none');
    const pool = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n'), hello]);
    expect(isMeshHello(new Uint8Array(pool.buffer, pool.byteOffset + 16, hello.length))).toBe(true);
    expect(isMeshHello(new Uint8Array(pool.buffer, pool.byteOffset, hello.length))).toBe(false);
  });

  it('needs more bytes while a prefix of a hello is too short to tell, and never with MESH_HELLO_SNIFF_BYTES', () => {
    const hello = dialerHello('starttls-optional', 'a-much-longer-host-name.example');
    const answers = Array.from({ length: hello.length + 1 }, (_, length) =>
      isMeshHello(hello.subarray(0, length)),
    );
    const decided = answers.indexOf(true);
    expect(decided).toBeGreaterThan(FRAME_HEADER_BYTES);
    expect(decided).toBeLessThanOrEqual(MESH_HELLO_SNIFF_BYTES);
    expect(answers.slice(0, decided)).toEqual(Array.from({ length: decided }, () => undefined));
    expect(answers.slice(decided)).toEqual(Array.from({ length: answers.length - decided }, () => true));
  });

  it('recognises a hello whatever map header its MessagePack encoder chose', () => {
    const body = dialerHello('none').subarray(FRAME_HEADER_BYTES);
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xde, 0x00, 11])); // what nodes write: map16
    const entries = body.subarray(3);
    const fixmap = frame(Buffer.concat([Buffer.from([0x80 | 11]), entries]));
    const map32 = frame(Buffer.concat([Buffer.from([0xdf, 0, 0, 0, 11]), entries]));
    for (const hello of [fixmap, map32]) {
      expect(isMeshHello(hello)).toBe(true);
      expect(isMeshHello(hello.subarray(0, MESH_HELLO_SNIFF_BYTES))).toBe(true);
      expect(isMeshHello(hello.subarray(0, FRAME_HEADER_BYTES + 3))).toBeUndefined();
    }
  });

  it("says no to a UC client's first bytes, from the first byte on", () => {
    for (const text of [
      'PING\n',
      'GET / HTTP/1.1\r\nHost: uc1.example\r\n\r\n',
      'REGISTER sip:uc1 SIP/2.0\r\n',
    ]) {
      const bytes = Buffer.from(text);
      for (let length = 1; length <= bytes.length; length++) {
        expect([text, length, isMeshHello(bytes.subarray(0, length))]).toEqual([text, length, false]);
      }
    }
  });

  it("says no to a TLS client's ClientHello", async () => {
    const clientHello = await tlsClientHello();
    expect(clientHello[0]).toBe(0x16); // a TLS handshake record
    expect(isMeshHello(clientHello)).toBe(false);
    expect(isMeshHello(clientHello.subarray(0, 1))).toBe(false);
  });

  it('says no to frames that are not a hello', () => {
    const hello = dialerHello('none');
    const withLength = (length: number) => {
      const framed = Buffer.from(hello);
      framed.writeUInt32BE(length, 0);
      return framed;
    };
    // A length no hello has: beyond what a handshake frame may be, or too short to hold one.
    expect(isMeshHello(withLength(HANDSHAKE_MAX_FRAME_BYTES + 1))).toBe(false);
    expect(isMeshHello(withLength(0xffffffff))).toBe(false);
    expect(isMeshHello(withLength(0))).toBe(false);
    expect(isMeshHello(withLength(8))).toBe(false);
    expect(isMeshHello(withLength(HANDSHAKE_MAX_FRAME_BYTES))).toBe(true);
    // Other frames, and hellos of another protocol or in another order.
    expect(
      isMeshHello(encodeFrame({ t: 'message', topic: 'presence', payload: { padding: 'x'.repeat(40) } })),
    ).toBe(false);
    expect(
      isMeshHello(encodeFrame({ t: 'hello', magic: 'OTHER!', version: 1, padding: 'x'.repeat(40) })),
    ).toBe(false);
    expect(isMeshHello(encodeFrame({ magic: PROTOCOL_MAGIC, t: 'hello', padding: 'x'.repeat(40) }))).toBe(
      false,
    );
    expect(isMeshHello(frame(encodeBody(['hello', PROTOCOL_MAGIC, 'x'.repeat(40)])))).toBe(false);
    const notAMap = Buffer.from(hello);
    notAMap[FRAME_HEADER_BYTES] = 0x9a; // a 10-element array where the map starts
    expect(isMeshHello(notAMap)).toBe(false);
  });

  it('never takes random bytes for a hello, and never refuses a prefix of one', () => {
    const hello = dialerHello('starttls-required');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        expect(isMeshHello(bytes)).not.toBe(true);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: hello.length }), (length) => {
        expect(isMeshHello(hello.subarray(0, length))).not.toBe(false);
      }),
    );
  });
});
