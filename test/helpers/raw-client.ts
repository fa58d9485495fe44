import { connect, type Socket } from 'node:net';
import { decodeBody } from '../../src/mesh/wire/body-codec.js';
import { FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';

/** Bound for every wait on one raw connection. */
export const SOCKET_LIMIT_MS = 15_000;

/** What a raw client saw of its connection once it closed. */
export interface RawOutcome {
  /** Frame bodies the node sent, decoded (undecodable rest ignored). */
  frames: unknown[];
  /** The node ended or reset the connection (the client never closes first here). */
  closedByNode: boolean;
}

/** A raw TCP client from `localAddress` (an address of 127.0.0.0/8) to a node's clients interface. */
export function rawClient(
  port: number,
  localAddress: string,
  onConnect: (socket: Socket) => void = () => undefined,
): { socket: Socket; outcome: Promise<RawOutcome> } {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  const decoder = new FrameDecoder();
  const frames: unknown[] = [];
  let closedByNode = false;
  const outcome = new Promise<RawOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the node kept a connection from ${localAddress} open for ${SOCKET_LIMIT_MS} ms`));
    }, SOCKET_LIMIT_MS);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const body of decoder.push(chunk)) frames.push(decodeBody(body));
      } catch {
        // not frames: left out
      }
    });
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
      resolve({ frames, closedByNode });
    });
  });
  socket.once('connect', () => onConnect(socket));
  return { socket, outcome };
}
