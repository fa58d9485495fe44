import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Handshake } from '../../src/mesh/handshake/handshake.js';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import { SOFTWARE_VERSION } from '../../src/mesh/software-version.js';
import { decodeBody } from '../../src/mesh/wire/body-codec.js';
import { FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';

/** Bound for every wait on one raw connection. */
const SOCKET_LIMIT_MS = 15_000;

/** What a raw client saw of its connection once it closed. */
export interface RawOutcome {
  /** Every byte the node sent. */
  received: Buffer;
  /** The node ended or reset the connection, not only this client. */
  closedByNode: boolean;
}

/**
 * A raw TCP client to a node's clients interface, from `localAddress` (an address of 127.0.0.0/8)
 * if given; `onConnect` writes what the test sends. The outcome fails if the node keeps the
 * connection open for 15 s.
 */
export function rawClient(
  port: number,
  options: { localAddress?: string; onConnect?: (socket: Socket) => void } = {},
): { socket: Socket; outcome: Promise<RawOutcome> } {
  const { localAddress, onConnect } = options;
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  const chunks: Buffer[] = [];
  let closedByNode = false;
  const outcome = new Promise<RawOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `the node kept a connection from ${localAddress ?? '127.0.0.1'} open for ${SOCKET_LIMIT_MS} ms`,
        ),
      );
    }, SOCKET_LIMIT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (closedByNode = true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closedByNode = true;
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), closedByNode });
    });
  });
  if (onConnect) socket.once('connect', () => onConnect(socket));
  return { socket, outcome };
}

/** Frame bodies in `bytes`, decoded; throws on a partial frame or an undecodable body. */
export function decodeFrames(bytes: Buffer): unknown[] {
  const decoder = new FrameDecoder();
  const bodies = decoder.push(bytes);
  decoder.end();
  return bodies.map((body) => decodeBody(body));
}

/** A complete, valid hello body as a real dialer sends it, but from a made-up node. */
export function madeUpHello(encryption: EncryptionMode = 'none'): Buffer {
  const [step] = new Handshake({
    role: 'dialer',
    self: {
      nodeId: randomUUID(),
      instanceId: randomUUID(),
      host: 'hostile.test',
      port: 9,
      encryption,
      software: SOFTWARE_VERSION,
    },
    meshKey: { idKey: Buffer.alloc(32), authKey: Buffer.alloc(32) },
  }).start();
  if (step?.kind !== 'send') throw new Error('a dialer handshake starts by sending its hello');
  return step.body;
}
