import { connect, type Socket } from 'node:net';
import { Injectable } from '@nestjs/common';
import { OnMeshMessage, type MeshMessageContext } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { decodeBody } from '../../src/mesh/wire/body-codec.js';
import { FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';
import type { MeshNode } from '../helpers/mesh-node.js';

/** Answers requests, so a test can tell that a link still carries traffic. */
@Injectable()
export class EchoHandler {
  @OnMeshMessage('test.echo')
  echo(payload: unknown, context: MeshMessageContext): unknown {
    return { payload, from: context.fromNodeId };
  }
}

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

/** Requests back and forth over the given links until stopped; collects every failure. */
export function keepRequesting(pairs: Array<[MeshNode, MeshNode]>) {
  let stopped = false;
  let answered = 0;
  const failures: unknown[] = [];
  const loop = (async () => {
    // Ended by `stop()`, and in any case after two minutes; each request has its own time limit.
    const deadline = Date.now() + 120_000;
    while (!stopped) {
      // Traffic that ended before the test stopped it has not covered the rest of the test.
      if (Date.now() > deadline) return void failures.push(new Error('requests ended at their deadline'));
      for (const [from, to] of pairs) {
        try {
          const answer = await from.link.request(to.nodeId, 'test.echo', answered, { timeoutMs: 5000 });
          const expected = { payload: answered, from: from.nodeId };
          if (JSON.stringify(answer) !== JSON.stringify(expected)) failures.push({ answer, expected });
          answered++;
        } catch (error: unknown) {
          failures.push(error);
        }
      }
      await new Promise((done) => setTimeout(done, 10));
    }
  })();
  return {
    get answered() {
      return answered;
    },
    stop: async () => {
      stopped = true;
      await loop;
      return { answered, failures };
    },
  };
}
