import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { makeTestPki, writePem } from '../helpers/test-pki.js';
import { type Capture, PacketCapture, tcpStreams } from './packet-capture.js';
import { untilReplicated } from '../helpers/calldata-convergence.js';
import { putAcked, untilLinked } from '../helpers/node-api.js';
import { NodeSet } from './node-set.js';
import { findSecret } from './secret-forms.js';

/** The hello's first field value: every mesh link starts with it in clear, TCP or TLS. */
const MAGIC = Buffer.from('UCMESH');
/** TLS record headers: a handshake record as a ClientHello opens it, and application data. */
const TLS_HANDSHAKE_RECORD = Buffer.from([0x16, 0x03, 0x01]);
const TLS_APPLICATION_DATA = Buffer.from([0x17, 0x03, 0x03]);

const nodes = new NodeSet();
const captures: PacketCapture[] = [];

afterEach(async () => {
  await nodes.stopAll();
  for (const capture of captures.splice(0)) capture.kill();
});

interface Observed {
  capture: Capture;
  /** The link's bytes: every connection to or from the two mesh ports, each direction apart. */
  streams: Map<string, Buffer>;
  transports: Array<string | undefined>;
  /** `protocol cipher` of the TLS session as each side shows it. */
  tls: string[];
}

/**
 * Two real nodes under a packet capture of their mesh ports from before they start until after
 * they stop: the handshake, a CallData value written on A and read back on B, the goodbye.
 */
async function captureLink(
  env: (side: 'a' | 'b') => Promise<Record<string, string>>,
  password: string,
  value: string,
): Promise<Observed> {
  const ports = { a: await freePort(), b: await freePort() };
  const capture = await PacketCapture.start(await tempDataDir(), [ports.a, ports.b]);
  captures.push(capture);
  const common = { MESH_ID: 'wire-secrets', MESH_PASSWORD: password };
  const [a, b] = await Promise.all(
    (['a', 'b'] as const).map(async (side) =>
      nodes.start({
        ...common,
        ...(await env(side)),
        MESH_PORT: String(ports[side]),
        MESH_PEERS: `127.0.0.1:${side === 'a' ? ports.b : ports.a}`,
      }),
    ),
  );
  // B as A lists it, and A as B lists it.
  const links = [(await untilLinked(a!, [b!]))[0]!, (await untilLinked(b!, [a!]))[0]!];
  await putAcked(a!, 'wire-call', { note: value });
  await untilReplicated([a!, b!], 'wire-call', { note: value });
  const exits = await nodes.stopAll();
  expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
  const result = await capture.stop();

  // tcpStreams checks that nothing of a stream is missing: an absence below means the bytes
  // were never sent, not that the capture missed them.
  const streams = tcpStreams(result);
  const tls = links.map(({ status }) =>
    status.tls ? `${status.tls.protocol} ${status.tls.cipher}` : 'none',
  );
  const linkBytes = [...streams.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  process.stderr.write(
    `capture ${result.file}: ${result.raw.length} bytes, ${result.packets} packets, ` +
      `${streams.size} streams, ${linkBytes} payload bytes; TLS ${tls[0]}\n`,
  );
  return { capture: result, streams, transports: links.map(({ status }) => status.transport), tls };
}

/** The raw pcap file and every reassembled stream, for secrets split across two segments. */
function everywhere({ capture, streams }: Observed): Map<string, Buffer> {
  return new Map([['the pcap file', capture.raw], ...streams]);
}

function inAnyStream(streams: Map<string, Buffer>, bytes: Buffer): boolean {
  return [...streams.values()].some((stream) => stream.includes(bytes));
}

describe('secrets on the wire between two real nodes (tcpdump on lo)', () => {
  it('on a plain-TCP link: the CallData value is readable, the mesh password is nowhere', async () => {
    const password = `pw-plain-${randomUUID()}`;
    const value = `calldata-plain-${randomUUID()}`;
    const observed = await captureLink(() => Promise.resolve({ MESH_ENCRYPTION: 'none' }), password, value);

    expect(observed.transports).toEqual(['tcp', 'tcp']);
    // The control: without TLS the value crosses in clear, so this capture would show a leak.
    expect(inAnyStream(observed.streams, Buffer.from(value))).toBe(true);
    expect(observed.capture.raw.includes(Buffer.from(value))).toBe(true);
    expect(inAnyStream(observed.streams, MAGIC)).toBe(true);
    expect(findSecret(password, everywhere(observed))).toEqual([]);
  }, 120_000);

  it.each([
    ['starttls-required, certificates of a CA both trust (mutual TLS)', true],
    ['starttls-optional, self-signed certificates generated at start', false],
  ])(
    'on a TLS link (%s): neither the CallData value nor the mesh password is in clear',
    async (_, withCa) => {
      const password = `pw-tls-${randomUUID()}`;
      const value = `calldata-tls-${randomUUID()}`;
      const pki = withCa ? await makeTestPki() : undefined;
      const observed = await captureLink(
        async (side): Promise<Record<string, string>> => {
          if (!pki) return { MESH_ENCRYPTION: 'starttls-optional' };
          const dir = await tempDataDir();
          const { certFile, keyFile } = await writePem(dir, side, await pki.issue(`node-${side}`));
          const caFile = (await writePem(dir, 'ca', pki.ca)).certFile;
          return {
            MESH_ENCRYPTION: 'starttls-required',
            MESH_TLS_CERT: certFile,
            MESH_TLS_KEY: keyFile,
            MESH_TLS_CA: caFile,
          };
        },
        password,
        value,
      );

      expect(observed.transports).toEqual(['tls', 'tls']);
      for (const session of observed.tls) expect(session).toMatch(/^TLSv1\.[23] \S+$/);
      // The capture did see the link: the hellos in clear, then TLS records.
      expect(inAnyStream(observed.streams, MAGIC)).toBe(true);
      expect(inAnyStream(observed.streams, TLS_HANDSHAKE_RECORD)).toBe(true);
      expect(inAnyStream(observed.streams, TLS_APPLICATION_DATA)).toBe(true);
      expect(findSecret(value, everywhere(observed))).toEqual([]);
      expect(findSecret(password, everywhere(observed))).toEqual([]);
    },
    120_000,
  );
});
