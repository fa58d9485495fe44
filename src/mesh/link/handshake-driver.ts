import type { Socket } from 'node:net';
import type { ClockExchange } from '../clock/clock-exchange.js';
import type { TLSSocket } from 'node:tls';
import type { Hello } from '../handshake/handshake-messages.js';
import type { Handshake, HandshakeStep } from '../handshake/handshake.js';
import type { MeshKey } from '../handshake/mesh-key.js';
import type { Transport } from '../handshake/transport-negotiation.js';
import { encodeBody } from '../wire/body-codec.js';
import { frame, FrameDecoder } from '../wire/frame-decoder.js';
import { ProtocolError } from '../wire/protocol.error.js';
import { LinkFailure } from './link-reason.js';
import { peerTrust, type TlsDetails, tlsDetails, type TlsSettings, upgradeToTls } from './tls-upgrade.js';

/** Hello and auth are a few hundred bytes; nothing larger is read before the peer has proved itself. */
export const HANDSHAKE_MAX_FRAME_BYTES = 16 * 1024;

export interface HandshakeDriverOptions {
  role: 'dialer' | 'acceptor';
  handshake: Handshake;
  /** Undefined when this node's encryption is `none`. */
  tls: TlsSettings | undefined;
  maxFrameBytes: number;
  timeoutMs: number;
}

/** A socket that passed the handshake, ready to become a link. */
export interface EstablishedConnection {
  socket: Socket | TLSSocket;
  peer: Hello;
  transport: Transport;
  /** The protocol version both sides speak. */
  version: number;
  tls?: TlsDetails;
  decoder: FrameDecoder;
  /** Frames that arrived in the same read as the end of the handshake. */
  early: Buffer[];
  /** The peer's clock as the handshake measured it; undefined when the peer sends no stamps. */
  clock?: ClockExchange;
  /** The key of this node's the peer proved (the previous one during a password's grace period). */
  proved: MeshKey;
  /** The handshake's transcript hash: re-proofs over the link are bound to it. */
  transcript: Buffer;
}

/**
 * A handshake that ended without a link; `refused` when this node turned the peer away, `peer` the
 * peer's hello when it came before the failure (proved only if the failure came after its proofs).
 */
export class HandshakeFailure extends LinkFailure {
  constructor(
    failure: LinkFailure,
    readonly refused = false,
    readonly peer?: Hello,
  ) {
    super(failure.reason, failure.message, failure.clockOffsetMs);
    this.name = 'HandshakeFailure';
  }
}

/**
 * Runs a `Handshake` over a connected socket: frames in and out, the STARTTLS upgrade of the same
 * socket, certificate checks, a time limit. Resolves with the established connection or rejects
 * with a `HandshakeFailure`; on failure the socket is closed (after any error frame is flushed).
 */
export function driveHandshake(
  socket: Socket,
  options: HandshakeDriverOptions,
): Promise<EstablishedConnection> {
  return new Promise((resolve, reject) => {
    let current: Socket | TLSSocket = socket;
    let decoder = new FrameDecoder(options.maxFrameBytes, HANDSHAKE_MAX_FRAME_BYTES);
    let details: TlsDetails | undefined;
    let settled = false;

    const timer = setTimeout(
      () => fail(new LinkFailure('timeout', `no handshake within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );

    const finish = () => {
      settled = true;
      clearTimeout(timer);
      detach();
    };
    const fail = (failure: LinkFailure, refused = false, tellPeer?: Buffer, peer?: Hello) => {
      if (settled) return;
      finish();
      // The peer may reset while the error frame is written: that must not become an uncaught 'error'.
      current.on('error', ignore);
      if (tellPeer) current.end(frame(tellPeer));
      else current.end();
      current.destroySoon?.();
      setTimeout(() => current.destroy(), 1000).unref();
      reject(new HandshakeFailure(failure, refused, peer));
    };
    const onError = (error: NodeJS.ErrnoException) => fail(socketFailure(error));
    const onClose = () =>
      fail(new LinkFailure('connection-lost', 'the peer closed the connection during the handshake'));
    const onEnd = () => {
      try {
        decoder.end();
        onClose();
      } catch (error: unknown) {
        fail(error as ProtocolError);
      }
    };
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error: unknown) {
        if (!(error instanceof ProtocolError)) throw error;
        const notPeer = `not a UC Mesh peer or a broken frame: ${error.message}`;
        return fail(error, false, encodeBody({ t: 'error', reason: 'protocol-error', message: notPeer }));
      }
      for (let i = 0; i < frames.length && !settled; i++) {
        const body = frames[i] as Buffer;
        const steps = options.handshake.receive(body);
        if (options.handshake.peerVerified) decoder.relax();
        run(steps, frames.slice(i + 1));
      }
    };

    const detach = () => {
      current.off('data', onData);
      current.off('error', onError);
      current.off('close', onClose);
      current.off('end', onEnd);
    };
    const attach = (target: Socket | TLSSocket) => {
      current = target;
      target.on('data', onData);
      target.on('error', onError);
      target.on('close', onClose);
      target.on('end', onEnd);
    };

    const upgrade = () => {
      const tls = options.tls;
      if (!tls)
        return fail(new LinkFailure('tls-failed', 'TLS was negotiated but this node has no certificate'));
      // Bytes after the hello and before TLS would be plaintext slipped into the secure session.
      if (decoder.pendingBytes > 0) {
        return fail(new ProtocolError('data after hello before STARTTLS'));
      }
      detach();
      upgradeToTls(socket, options.role === 'dialer' ? 'client' : 'server', tls).then(
        ({ secure, exporter }) => {
          if (settled) return secure.destroy();
          decoder = new FrameDecoder(options.maxFrameBytes, HANDSHAKE_MAX_FRAME_BYTES);
          attach(secure);
          details = tlsDetails(secure);
          const trust = peerTrust(secure, tls);
          run(options.handshake.tlsEstablished(exporter, trust.trusted, trust.why), []);
        },
        (error: unknown) => fail(error instanceof LinkFailure ? error : socketFailure(error as Error)),
      );
    };

    const run = (steps: HandshakeStep[], rest: Buffer[]) => {
      for (const step of steps) {
        if (settled) return;
        switch (step.kind) {
          case 'send':
            current.write(frame(step.body));
            break;
          case 'upgrade-tls':
            if (rest.length > 0) return fail(new ProtocolError('frames after hello before STARTTLS'));
            upgrade();
            return;
          case 'failed':
            return fail(step.failure, step.refused, undefined, step.peer);
          case 'established':
            finish();
            resolve({
              socket: current,
              peer: step.peer,
              transport: step.transport,
              version: step.version,
              tls: details && step.trust && { ...details, ...step.trust },
              decoder,
              early: rest,
              clock: step.clock,
              proved: step.proved,
              transcript: step.transcript,
            });
            return;
        }
      }
    };

    attach(socket);
    run(options.handshake.start(), []);
  });
}

function ignore(): void {
  // Socket errors after a failed handshake change nothing: the reason is already recorded.
}

/** Socket-level errors in the words an administrator needs. */
export function socketFailure(error: NodeJS.ErrnoException): LinkFailure {
  switch (error.code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new LinkFailure('unreachable', `${error.code}: ${error.message}`);
    case 'ETIMEDOUT':
      return new LinkFailure('timeout', error.message);
    default:
      return new LinkFailure('connection-lost', error.message);
  }
}
