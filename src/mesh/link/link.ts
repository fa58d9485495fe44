import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClockExchange } from '../clock/clock-exchange.js';
import { clockSkewFailure } from '../clock/clock-skew.js';
import type { Hello } from '../handshake/handshake-messages.js';
import type { Transport } from '../handshake/transport-negotiation.js';
import { ProtocolError } from '../wire/protocol.error.js';
import { FRAME_HEADER_BYTES, type FrameDecoder } from '../wire/frame-decoder.js';
import type { EstablishedConnection } from './handshake-driver.js';
import { decodeLinkFrame, encodeLinkFrame, Kind, type PingFrame } from './link-frames.js';
import { asLinkReason, LinkFailure, type LinkReason } from './link-reason.js';
import type { LinkTraffic } from './link-traffic.js';
import type { TlsDetails } from './tls-upgrade.js';
import {
  BackpressureError,
  MeshLinkClosedError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from './link.errors.js';
import { asError, errorMessage } from '../../common/describe-error.js';
import { checkFrameLimit } from './frame-limit.js';
import { Liveness, TICKS_PER_TIMEOUT } from './liveness.js';

export type Direction = 'inbound' | 'outbound';

export interface LinkOptions {
  /** A peer that sends nothing for this long after this side sent something is dead. */
  livenessTimeoutMs: number;
  /**
   * How long a quiet link (nothing sent or received) waits before it probes the peer; asked at each
   * tick, so the owner can scale it with its number of links. Never below a third of the timeout.
   */
  idleProbeMs(): number;
  /** Above this many unsent bytes `send` waits for the socket to drain (policy `wait`) or fails (`reject`). */
  highWaterBytes: number;
  /** Never buffer more than this for one peer: `send` fails with BackpressureError. */
  maxBufferedBytes: number;
  backpressure: 'wait' | 'reject';
  /** Handler calls in progress above which the link stops reading (see MeshModuleOptions). */
  maxHandlersInProgress: number;
  /** Largest frame body sent: a larger message, request or answer is refused, not written. */
  maxFrameBytes: number;
}

/** What the link hands to the service that owns it. */
export interface LinkHandlers {
  /** Returns what asynchronous handlers still do (settles, never rejects), or nothing. */
  message(link: Link, topic: string, payload: unknown): Promise<unknown> | undefined;
  /**
   * The answer, or a promise of it from an asynchronous handler. Throws (or rejects) when the
   * handler failed or there is none.
   */
  request(link: Link, topic: string, payload: unknown): unknown;
  closed(link: Link, failure: LinkFailure): void;
}

/** A handler-side failure the peer may see: `no-handler` or `handler-failed`. */
export class RequestRefusal extends Error {
  constructor(
    readonly code: 'handler-failed' | 'no-handler',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  topic: string;
}

/** A fault's text is cut to this, and to what fits a frame (UTF-8: up to 4 bytes a character). */
const MAX_FAULT_MESSAGE_CHARS = 4096;
const FAULT_FRAME_OVERHEAD_BYTES = 64;
const DONE: Promise<void> = Promise.resolve();

/**
 * An authenticated, bidirectional link to one peer: messages, requests with answers,
 * heartbeats on idle, backpressure. Writes made in one tick go out corked as one write.
 *
 * Pings carry NTP clock stamps when the peer stamps too: every ping answers the peer's last one,
 * so each side keeps measuring the peer's clock offset and the round trip, and closes the link with
 * `clock-skew` (telling the peer) when the offset goes beyond the limit.
 */
export class Link {
  readonly nodeId: string;
  readonly establishedAt = new Date();
  readonly remoteAddress: string;

  private readonly socket: Socket | TLSSocket;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly early: Buffer[];
  private nextRequestId = 0;
  private corked = false;
  private readonly liveness: Liveness;
  /** This side's ping opened an exchange: the peer's next ping answers it and is not answered. */
  private awaitingAnswer = false;
  private readonly tickMs: number;
  private readonly clock?: ClockExchange;
  /** Handler calls not finished yet; reading pauses above the limit (receiver flow control). */
  private handlersInProgress = 0;
  private paused = false;
  private drained?: { promise: Promise<void>; resolve(): void; reject(error: Error): void };
  private failure?: LinkFailure;

  constructor(
    connection: EstablishedConnection,
    readonly direction: Direction,
    private readonly options: LinkOptions,
    private readonly handlers: LinkHandlers,
    /** Shared by every link of the service, so the totals outlive the links. */
    private readonly traffic: LinkTraffic,
  ) {
    this.socket = connection.socket;
    this.decoder = connection.decoder;
    this.peer = connection.peer;
    this.transport = connection.transport;
    this.protocolVersion = connection.version;
    this.tls = connection.tls;
    this.nodeId = connection.peer.nodeId;
    this.remoteAddress = `${connection.socket.remoteAddress ?? '?'}:${connection.socket.remotePort ?? '?'}`;
    this.early = connection.early;
    this.clock = connection.clock;
    this.liveness = new Liveness(this.clock !== undefined);
    this.transcript = connection.transcript;
    this.provenKeys = [connection.proved.authKey];
    this.socket.setNoDelay(true);
    this.socket.on('drain', () => this.onDrain());
    this.socket.on('error', (error: Error) =>
      this.fail(new LinkFailure('connection-lost', error.message), false),
    );
    this.socket.on('close', () =>
      this.fail(new LinkFailure('connection-lost', 'the connection closed'), false),
    );
    this.tickMs = options.livenessTimeoutMs / TICKS_PER_TIMEOUT;
    this.heartbeat = setInterval(() => this.tick(), this.tickMs);
    this.heartbeat.unref();
  }

  /**
   * Begins reading, once the owner has registered the link: first the frames that arrived with the
   * end of the handshake, in order, then the socket.
   */
  start(): void {
    for (const body of this.early.splice(0)) {
      if (this.failure) return;
      this.traffic.bytesIn += FRAME_HEADER_BYTES + body.length; // read by the handshake, not onData
      this.liveness.heard();
      this.onFrame(body);
    }
    if (!this.failure) this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  readonly peer: Hello;
  readonly transport: Transport;
  /** The protocol version both sides speak on this link. */
  readonly protocolVersion: number;
  readonly tls?: TlsDetails;
  /** The handshake's transcript hash, which re-proofs over this link are bound to. */
  readonly transcript: Buffer;
  /**
   * The password keys (`authKey`s) the peer has proved on this link, in the handshake or by a
   * re-proof after a password change: which of this node's passwords it knows.
   */
  readonly provenKeys: Buffer[];

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** The peer's clock minus this node's in ms (best recent sample); undefined without stamps. */
  get clockOffsetMs(): number | undefined {
    return this.clock?.offsetMs;
  }

  /** Smoothed round trip in ms; undefined without stamps. */
  get rttMs(): number | undefined {
    return this.clock?.rttMs;
  }

  /** Shortest recent round trip in ms; undefined without stamps. */
  get floorRttMs(): number | undefined {
    return this.clock?.floorRttMs;
  }

  /**
   * Probes the peer at the next tick (another node says it stopped answering) unless this side
   * waits for a sign of life already; answers whether it will.
   */
  suspect(): boolean {
    return !this.closed && this.liveness.suspect();
  }

  /** Sends a one-way message; resolves at once unless the peer is behind (see LinkOptions). */
  send(topic: string, payload: unknown): Promise<void> {
    let buffer: Buffer;
    try {
      buffer = checkFrameLimit(topic, encodeLinkFrame.message(topic, payload), this.options.maxFrameBytes);
    } catch (error: unknown) {
      return Promise.reject(asError(error));
    }
    return this.sendFrame(buffer);
  }

  /** Sends a request and resolves with the peer's answer. */
  request(topic: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.nextRequestId++;
    let buffer: Buffer;
    try {
      const frame = encodeLinkFrame.request(id, topic, payload);
      buffer = checkFrameLimit(topic, frame, this.options.maxFrameBytes);
    } catch (error: unknown) {
      return Promise.reject(asError(error));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MeshRequestTimeoutError(this.nodeId, topic, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, topic });
      const sent = this.sendFrame(buffer);
      // Written at once (the usual case): no promise to watch.
      if (sent === DONE) return;
      sent.catch((error: Error) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Closes the link; `reason` is what the peer will show. */
  close(failure: LinkFailure, tellPeerReason?: LinkReason, tellPeerMessage = failure.message): void {
    if (this.closed) return;
    if (tellPeerReason) this.rawWrite(encodeLinkFrame.close(tellPeerReason, tellPeerMessage), false);
    this.fail(failure, true);
  }

  /** Sends an encoded frame (see `encodeLinkFrame`), with the same backpressure as `send`. */
  sendFrame(buffer: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(new MeshLinkClosedError(this.nodeId, this.failure.reason));
    const buffered = this.socket.writableLength;
    if (buffered >= this.options.highWaterBytes) {
      if (
        this.options.backpressure === 'reject' ||
        buffered + buffer.length > this.options.maxBufferedBytes
      ) {
        return Promise.reject(new BackpressureError(this.nodeId, buffered));
      }
      this.rawWrite(buffer);
      return this.whenDrained();
    }
    this.rawWrite(buffer);
    return DONE;
  }

  /** `callsForAnswer`: false for what answers the peer (a probe's answer, a reply, a close). */
  private rawWrite(buffer: Buffer, callsForAnswer = true): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.liveness.wrote(callsForAnswer);
    this.traffic.framesOut++;
    this.traffic.bytesOut += buffer.length;
    this.socket.write(buffer);
  }

  private whenDrained(): Promise<void> {
    if (!this.drained) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.drained = { promise, resolve, reject };
    }
    return this.drained.promise;
  }

  private onDrain(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.resolve();
  }

  private onData(chunk: Buffer): void {
    this.liveness.heard();
    this.traffic.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error: unknown) {
      return this.protocolError(error);
    }
    for (const body of frames) {
      if (this.failure) return;
      this.onFrame(body);
    }
  }

  private onFrame(body: Buffer): void {
    this.traffic.framesIn++;
    let decoded;
    try {
      decoded = decodeLinkFrame(body);
    } catch (error: unknown) {
      return this.protocolError(error);
    }
    switch (decoded[0]) {
      case Kind.Ping:
        return this.onPing(decoded);
      case Kind.Message:
        return this.whileInProgress(this.handlers.message(this, decoded[1], decoded[2]));
      case Kind.Request:
        return this.answer(decoded[1], decoded[2], decoded[3]);
      case Kind.Reply:
        return this.settle(decoded[1], (p) => p.resolve(decoded[2]));
      case Kind.Fault:
        return this.settle(decoded[1], (p) =>
          p.reject(new MeshRemoteError(this.nodeId, p.topic, decoded[2], decoded[3])),
        );
      case Kind.Close: {
        const reason = asLinkReason(decoded[1], 'closed');
        // Shown only when this side's estimate agrees: older samples may still hide a fresh jump.
        const offset = reason === 'clock-skew' ? this.clock?.skew()?.offsetMs : undefined;
        return this.fail(new LinkFailure(reason, decoded[2], offset), true);
      }
    }
  }

  /**
   * A ping's stamps: the echo for this node's next ping, and a sample when it answers one. A probe
   * is answered at once unless this side sent something this tick (which reaches the peer as well):
   * the answer carries the TCP acknowledgement of the probe and resets both sides' quiet, so an
   * idle link costs one exchange per probe interval. A ping arriving while this side's own probe is
   * out is its answer (or a probe that crossed it) and is not answered.
   */
  private onPing(ping: PingFrame): void {
    const clock = this.clock;
    if (clock && ping.length !== 1) {
      const [, transmit, origin, receive] = ping;
      clock.received({ transmit, origin, receive }, clock.settings.now());
      const skew = clock.skew();
      if (skew) return this.close(clockSkewFailure(skew), 'clock-skew', skew.peerMessage);
    }
    if (this.awaitingAnswer) this.awaitingAnswer = false;
    else if (!this.liveness.sentThisTick) this.sendPing(false);
  }

  /**
   * Counts a handler call until it settles. Above the limit the link stops reading: the peer's
   * frames wait in the kernel, TCP's window closes and the peer's `send` meets backpressure,
   * instead of this node queueing handler calls without bound.
   */
  private whileInProgress(work: Promise<unknown> | undefined): void {
    if (!work) return;
    if (++this.handlersInProgress >= this.options.maxHandlersInProgress && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    const finished = () => {
      this.handlersInProgress--;
      if (this.paused && this.handlersInProgress <= this.options.maxHandlersInProgress >> 1) {
        this.paused = false;
        if (!this.failure) this.socket.resume();
      }
    };
    work.then(finished, finished);
  }

  /**
   * A synchronous handler's answer is written at once, in the same corked write as the other
   * answers to this read: no promise per request on the hot path. Only asynchronous handlers count
   * towards receiver flow control.
   */
  private answer(id: number, topic: string, payload: unknown): void {
    let answer: unknown;
    try {
      answer = this.handlers.request(this, topic, payload);
    } catch (error: unknown) {
      return this.refuse(id, error);
    }
    if (!(answer instanceof Promise)) return this.replyWith(id, topic, answer);
    this.whileInProgress(
      answer.then(
        (value: unknown) => {
          if (!this.failure) this.replyWith(id, topic, value);
        },
        (error: unknown) => {
          if (!this.failure) this.refuse(id, error);
        },
      ),
    );
  }

  private replyWith(id: number, topic: string, answer: unknown): void {
    let buffer: Buffer;
    try {
      buffer = encodeLinkFrame.reply(id, answer);
    } catch (error: unknown) {
      const why = errorMessage(error);
      return this.refuse(id, new Error(`the answer could not be encoded: ${why}`));
    }
    try {
      checkFrameLimit(topic, buffer, this.options.maxFrameBytes);
    } catch (error: unknown) {
      return this.refuse(id, new Error(`the answer could not be sent: ${errorMessage(error)}`));
    }
    this.reply(buffer);
  }

  private refuse(id: number, error: unknown): void {
    const code = error instanceof RequestRefusal ? error.code : 'handler-failed';
    // A handler's error text is the application's: bounded, so the fault always fits a frame.
    const fits = Math.floor((this.options.maxFrameBytes - FAULT_FRAME_OVERHEAD_BYTES) / 4);
    const message = errorMessage(error).slice(0, Math.min(MAX_FAULT_MESSAGE_CHARS, fits));
    this.reply(encodeLinkFrame.fault(id, code, message));
  }

  /** Answers go out whatever the policy, but a peer that asks and never reads is cut off. */
  private reply(buffer: Buffer): void {
    if (this.socket.writableLength + buffer.length > this.options.maxBufferedBytes) {
      const why = 'the peer sends requests but does not read the answers';
      return this.close(new LinkFailure('protocol-error', why), 'protocol-error', why);
    }
    // An answer is the peer's sign of life from this side and calls for none back: a peer that
    // went away after asking is noticed by the idle probe.
    this.rawWrite(buffer, false);
  }

  private settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return; // answered after its timeout
    this.pending.delete(id);
    clearTimeout(pending.timer);
    action(pending);
  }

  private tick(): void {
    const probeTicks = Math.round(this.options.idleProbeMs() / this.tickMs);
    const action = this.liveness.tick(this.paused, probeTicks);
    if (action === 'dead') {
      return this.fail(
        new LinkFailure('timeout', `no sign of life from the peer for ${this.options.livenessTimeoutMs} ms`),
        true,
      );
    }
    if (action === 'probe') {
      this.awaitingAnswer = true;
      this.sendPing(true);
    }
    this.liveness.endTick();
  }

  /** A probe calls for an answer; an answer does not. */
  private sendPing(probe: boolean): void {
    this.liveness.pinged();
    this.rawWrite(this.ping(), probe);
  }

  private ping(): Buffer {
    const clock = this.clock;
    if (!clock) return encodeLinkFrame.ping();
    const { transmit, origin, receive } = clock.stamps();
    return encodeLinkFrame.ping(
      origin === undefined || receive === undefined ? [transmit] : [transmit, origin, receive],
    );
  }

  private protocolError(error: unknown): void {
    const failure = error instanceof ProtocolError ? error : new ProtocolError(String(error));
    this.close(failure, 'protocol-error', `this node received a broken frame: ${failure.message}`);
  }

  private fail(failure: LinkFailure, endSocket: boolean): void {
    if (this.failure) return;
    this.failure = failure;
    clearInterval(this.heartbeat);
    if (endSocket) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    const closed = new MeshLinkClosedError(this.nodeId, failure.reason);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(closed);
    }
    this.pending.clear();
    this.drained?.reject(closed);
    this.drained = undefined;
    this.handlers.closed(this, failure);
  }
}
