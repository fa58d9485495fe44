import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { EstablishedConnection } from '../../src/mesh/link/handshake-driver.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { decodeBody, encodeBody } from '../../src/mesh/wire/body-codec.js';
import { DEFAULT_MAX_FRAME_BYTES, frame } from '../../src/mesh/wire/frame-decoder.js';
import { MeshNode } from '../helpers/mesh-node.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { licensedFor } from '../helpers/mesh-license.js';
import { EchoHandler, keepRequesting } from '../helpers/mesh-traffic.js';
import { decodeFrames, madeUpHello, rawClient, type RawOutcome } from '../helpers/raw-client.js';
import { connectRawPeer } from '../helpers/raw-peer.js';

/** The harness's mesh ID and password: a peer built in the test authenticates with them. */
const MESH_ID = 'test-mesh';
const PASSWORD = 'test-password';
/** Short, so that a silent client is dropped quickly; nothing here asserts on time. */
const HANDSHAKE_TIMEOUT_MS = 500;
/** Bound for every wait on a raw socket. */
const SOCKET_LIMIT_MS = 10_000;

/** Waits for `promise`, failing after SOCKET_LIMIT_MS. */
async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}`)), SOCKET_LIMIT_MS);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface HostileCase {
  name: string;
  /** Writes to the connected socket; `end` half-closes after writing. */
  bytes: () => Buffer;
  end?: boolean;
  /** Reasons the node may report in `mesh.link.error`. */
  reasons: string[];
  /** The node answers with a protocol-error frame whose message matches this. */
  errorFrame?: RegExp;
}

const HTTP_REQUEST: HostileCase = {
  name: 'an HTTP request',
  bytes: () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  reasons: ['protocol-error'],
  errorFrame: /not a UC Mesh peer/,
};

/** Everything but the HTTP request, which has a test of its own. */
const MORE_HOSTILE: HostileCase[] = [
  {
    // The first four random bytes are the length: nearly always over the limit (an error frame),
    // rarely a frame that needs more bytes (the handshake timeout) or a short garbage frame.
    name: 'random garbage bytes',
    bytes: () => randomBytes(512),
    reasons: ['protocol-error', 'timeout'],
  },
  {
    name: 'a truncated hello, then end of stream',
    bytes: () => {
      const hello = frame(madeUpHello());
      return hello.subarray(0, Math.floor(hello.length / 2));
    },
    end: true,
    reasons: ['protocol-error'],
  },
  {
    name: 'a length header over 4 MiB',
    bytes: () => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1, 0);
      return header;
    },
    reasons: ['protocol-error'],
    errorFrame: /not a UC Mesh peer.*exceeds/,
  },
  {
    name: 'a well-formed frame with a MessagePack value that is not a hello',
    bytes: () => frame(encodeBody(['GET', '/', { not: 'a hello' }])),
    reasons: ['protocol-error'],
    errorFrame: /not a UC Mesh peer/,
  },
  {
    // Plaintext slipped in before STARTTLS would end up inside the secure session.
    name: 'a hello asking for STARTTLS with more bytes behind it in the same write',
    bytes: () => Buffer.concat([frame(madeUpHello('starttls-required')), Buffer.from('injected')]),
    reasons: ['protocol-error'],
  },
  {
    name: 'a hello-shaped frame with fields missing',
    bytes: () => frame(encodeBody({ t: 'hello', magic: 'UCMESH', version: 1 })),
    reasons: ['protocol-error'],
    errorFrame: /malformed hello/,
  },
];
const HOSTILE = [HTTP_REQUEST, ...MORE_HOSTILE];

describe('hostile input on the clients network interface', () => {
  const cluster = meshCluster();
  const sockets: Socket[] = [];

  const start = async (options: Partial<MeshModuleOptions> = {}): Promise<MeshNode> => {
    return cluster.start(options, [EchoHandler]);
  };
  /**
   * The node under attack: default encryption (starttls-optional), a short handshake time, and a
   * license for more links than the evaluation's two — its linked nodes tell it of each other, so
   * it links to them too and a fresh node needs a third connection.
   */
  const startTarget = async () =>
    start({
      encryption: 'starttls-optional',
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      ...(await licensedFor(8)),
    });

  /** Connects, writes, and resolves once the connection is closed (bounded). */
  const rawSession = (port: number, bytes: Buffer | undefined, end = false): Promise<RawOutcome> => {
    const client = rawClient(port, {
      onConnect: (socket) => {
        if (bytes) socket.write(bytes);
        if (end) socket.end();
      },
    });
    sockets.push(client.socket);
    return client.outcome;
  };

  const inboundErrors = (node: MeshNode) =>
    node.events
      .filter((e) => e.name === 'mesh.link.error' && e.payload.direction === 'inbound')
      .map((e) => e.payload);

  /** Runs one hostile case against `node` and checks what a client and the node see. */
  const attack = async (node: MeshNode, hostile: HostileCase): Promise<void> => {
    const outcome = await rawSession(node.link.port, hostile.bytes(), hostile.end);
    if (!hostile.end) expect(outcome.closedByNode).toBe(true);
    const frames = decodeFrames(outcome.received);
    for (const body of frames) {
      expect(body).toMatchObject({ t: 'error', reason: 'protocol-error', message: expect.any(String) });
    }
    if (hostile.errorFrame) {
      expect(frames).toEqual([{ t: 'error', reason: 'protocol-error', message: expect.any(String) }]);
      expect((frames[0] as { message: string }).message).toMatch(hostile.errorFrame);
    }
  };

  /** Dials `node` from a raw socket and passes the handshake as a made-up mesh node would. */
  const authenticatedPeer = async (
    node: MeshNode,
  ): Promise<EstablishedConnection & { nodeId: string; received: Buffer[] }> => {
    const peer = await connectRawPeer(node.target, { meshId: MESH_ID, password: PASSWORD });
    sockets.push(peer.socket);
    // Collect at once: the node's first ping may follow its side of the handshake closely.
    const received: Buffer[] = [];
    peer.socket.on('data', (chunk: Buffer) => received.push(chunk));
    peer.socket.on('error', () => undefined);
    return { ...peer, received };
  };

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('answers an HTTP request with one protocol-error frame and closes the connection', async () => {
    const target = await startTarget();
    const outcome = await rawSession(target.link.port, HTTP_REQUEST.bytes());
    expect(outcome.closedByNode).toBe(true);
    expect(outcome.received.readUInt32BE(0)).toBe(outcome.received.length - 4);
    const body = decodeBody(outcome.received.subarray(4));
    expect(body).toEqual({ t: 'error', reason: 'protocol-error', message: expect.any(String) });
    expect((body as { message: string }).message).toContain('not a UC Mesh peer');
    await target.until('the node to report the protocol error', () =>
      inboundErrors(target).find((e) => e.reason === 'protocol-error'),
    );
  });

  it.each(MORE_HOSTILE.map((hostile) => [hostile.name, hostile] as const))(
    'closes the connection on %s',
    async (_name, hostile) => {
      const target = await startTarget();
      await attack(target, hostile);
      const [event] = await target.until('the node to report the failure', () => {
        const found = inboundErrors(target);
        return found.length > 0 ? found : undefined;
      });
      expect(event).toMatchObject({ direction: 'inbound', remoteAddress: '127.0.0.1' });
      expect(hostile.reasons).toContain(event?.reason);
    },
  );

  it('closes the connection of a client that sends nothing after the handshake timeout', async () => {
    const target = await startTarget();
    const outcome = await rawSession(target.link.port, undefined);
    expect(outcome.closedByNode).toBe(true);
    await target.until('the node to report the timeout', () =>
      inboundErrors(target).find((e) => e.reason === 'timeout'),
    );
  });

  it('closes the connection when the bytes after STARTTLS are not a TLS handshake', async () => {
    const target = await startTarget();
    const socket = connect({ host: '127.0.0.1', port: target.link.port });
    sockets.push(socket);
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    socket.write(frame(madeUpHello('starttls-required')));
    // The node answers with its hello, then waits for a TLS ClientHello on the same socket.
    const [hello] = await target.until('the node to answer with its hello', () => {
      try {
        const frames = decodeFrames(Buffer.concat(received));
        return frames.length > 0 ? frames : undefined;
      } catch {
        return undefined;
      }
    });
    expect(hello).toMatchObject({ t: 'hello', nodeId: target.nodeId, encryption: 'starttls-optional' });
    socket.write(Buffer.from('this is not a TLS record\r\n'.repeat(4)));

    const event = await target.until('the node to report the failed upgrade', () =>
      inboundErrors(target).find((e) => e.direction === 'inbound'),
    );
    expect(event).toMatchObject({ reason: 'tls-failed', message: expect.stringContaining('TLS') });
    await bounded(closed, 'the node to close the connection');
  });

  it('keeps existing links answering during all of the above, and links a fresh node afterwards', async () => {
    const [target, a, b] = await Promise.all([startTarget(), start(), start()]);
    a.link.connect(b.target);
    a.link.connect(target.target);
    await a.untilStatus(b.target, 'connected');
    await a.untilStatus(target.target, 'connected');
    await target.until('the inbound link at the target', () => target.link.isLinked(a.nodeId));

    const traffic = keepRequesting([
      [a, b],
      [b, a],
      [a, target],
      [target, a],
    ]);
    await Promise.all([
      ...HOSTILE.map((hostile) => attack(target, hostile)),
      rawSession(target.link.port, undefined).then((silent) => expect(silent.closedByNode).toBe(true)),
    ]);
    const { answered, failures } = await traffic.stop();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(target.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
    expect(a.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
    await target.until(
      'the node to report every attempt',
      () => inboundErrors(target).length >= HOSTILE.length + 1,
    );

    const fresh = await start();
    fresh.link.connect(target.target);
    await fresh.untilStatus(target.target, 'connected');
    await expect(fresh.link.request(target.nodeId, 'test.echo', 'after')).resolves.toEqual({
      payload: 'after',
      from: fresh.nodeId,
    });
  });

  it.each<[string, Buffer]>([
    ['an undecodable body', frame(Buffer.from([0xc1, 0xff, 0x00, 0x13]))],
    ['a MessagePack value that is not a link frame', frame(encodeBody({ t: 'hello', surprise: true }))],
    ['a length header over 4 MiB', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x00])],
  ])(
    'closes an established link that receives %s with protocol-error, and keeps the others',
    async (_name, garbage) => {
      const [target, other] = await Promise.all([startTarget(), start()]);
      other.link.connect(target.target);
      await other.untilStatus(target.target, 'connected');
      await target.until('the link from the other node', () => target.link.isLinked(other.nodeId));

      const peer = await authenticatedPeer(target);
      await target.until('the link from the made-up peer', () => target.link.isLinked(peer.nodeId));
      const closed = once(peer.socket, 'close');
      peer.socket.write(garbage);

      const down = await target.until('the link to go down', () =>
        target.events.find((e) => e.name === 'mesh.link.down' && e.payload.nodeId === peer.nodeId),
      );
      expect(down.payload).toMatchObject({ reason: 'protocol-error', message: expect.any(String) });
      await bounded(closed, 'the node to close the broken link');
      expect(target.link.isLinked(peer.nodeId)).toBe(false);
      // The node says why before it closes: a close frame [5, reason, message] after any pings.
      const frames = decodeFrames(Buffer.concat(peer.received));
      expect(frames.at(-1)).toEqual([5, 'protocol-error', expect.any(String)]);

      expect(target.link.isLinked(other.nodeId)).toBe(true);
      await expect(other.link.request(target.nodeId, 'test.echo', 1)).resolves.toEqual({
        payload: 1,
        from: other.nodeId,
      });
      await expect(target.link.request(other.nodeId, 'test.echo', 2)).resolves.toEqual({
        payload: 2,
        from: target.nodeId,
      });
      expect(target.events.filter((e) => e.name === 'mesh.link.down')).toHaveLength(1);
      expect(other.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
    },
  );
});
