import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { encodeLinkFrame } from './link-frames.js';
import { ADMISSION_STAGE, AdmissionGate, type AdmissionCheck } from './admission-gate.js';
import { ConnectionManager, type LinkedNode } from './connection-manager.js';
import { LinkEndpoint } from './link-endpoint.js';
import { LinkListener } from './link-listener.js';
import { LinkFailure, type LinkReason } from './link-reason.js';
import type { LinkStatus, LinkTarget } from './link-status.js';
import type { LinkTraffic } from './link-traffic.js';
import { MeshNotLinkedError } from './link.errors.js';
import { MeshActivation } from './mesh-activation.js';
import { PeerDialers } from './peer-dialers.js';
import { requestAll, type MeshNodeResult } from './request-all.js';
import { checkFrameLimit } from './frame-limit.js';
import { topicName, type MeshTopic } from './mesh-topic.js';
import { SocketSet } from './socket-set.js';

const SHUTDOWN_GRACE_MS = 500;

/**
 * The clients network interface and the links over it, as the application uses them: send,
 * broadcast and request to other nodes, keep addresses linked, read their status. A facade over
 * `LinkListener` (accepting), `PeerDialers` (dialling), `ConnectionManager` (one link per peer),
 * `MeshActivation` and `MessageRouter` (handlers).
 */
@Injectable()
export class LinkService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly endpoint: LinkEndpoint,
    private readonly listener: LinkListener,
    private readonly dialers: PeerDialers,
    private readonly connections: ConnectionManager,
    private readonly activation: MeshActivation,
    private readonly gate: AdmissionGate,
    private readonly sockets: SocketSet,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.dialers.stop();
    this.connections.stop();
    this.connections.closeAll(new LinkFailure('shutdown', 'this node is shutting down'), 'shutdown');
    const closed = this.listener.close();
    // Give the goodbye frames a moment: until each peer has read its close and closed its end too,
    // dialled links as well as accepted ones. Cut earlier, a socket holding the peer's unread bytes
    // is reset, and a reset can reach the peer before it read the goodbye (it sees connection-lost).
    await Promise.race([Promise.all([closed, this.sockets.allClosed()]), sleep(SHUTDOWN_GRACE_MS)]);
    this.sockets.destroyAll();
    await closed;
  }

  /** New at every start: peers tell a restarted node's link from a stale one by it. */
  get instanceId(): string {
    return this.endpoint.instanceId;
  }

  /** Frames and bytes over every link since start, closed ones included. */
  get traffic(): LinkTraffic {
    return this.connections.traffic;
  }

  /** Active = enabled and licensed; links run only while the mesh is active. */
  get active(): boolean {
    return this.activation.active;
  }

  /** Port of the clients network interface (the chosen one when configured as 0). */
  get port(): number {
    return this.endpoint.port;
  }

  /** Whether this node's own server accepts connections (from bootstrap until shutdown). */
  get isListening(): boolean {
    return this.listener.listening;
  }

  /** Inbound connections in their handshake now; never more than `maxPendingHandshakes`. */
  get handshakesInProgress(): number {
    return this.listener.handshakesInProgress;
  }

  get encryption(): MeshConfig['encryption'] {
    return this.config.encryption;
  }

  /**
   * Lets a mesh peer in on a port the application owns (with `listen: false`, the port its UC
   * clients use): call it with a connection whose first bytes `isMeshHello` recognised, and those
   * bytes. The mesh owns the socket from then on; remove the application's listeners first.
   */
  acceptSocket(socket: Socket, head?: Uint8Array): void {
    this.listener.accept(socket, head);
  }

  /**
   * Keep a link to this address: dial now and again after every failure, with backoff. With the
   * node ID known, an existing link to that node (e.g. one it dialled) serves and nothing is dialled.
   * Called again for an address whose last dial failed, it dials at once. Where the peer accepts
   * unknown nodes (its default) the link needs no configuration there, and the members the peer
   * knows are learned over it.
   */
  connect(target: LinkTarget, nodeId?: string): void {
    this.dialers.connect(target, nodeId);
  }

  /** Stop dialling this address but keep any link to its node (it is reached another way). */
  forget(target: LinkTarget): void {
    this.dialers.forget(target);
  }

  /** Stop keeping a link to this address, and close the link it made. */
  disconnect(target: LinkTarget, tellPeer: 'disabled-remote' | 'closed' = 'disabled-remote'): void {
    const dialer = this.dialers.forget(target);
    if (dialer?.nodeId === undefined) return;
    this.connections
      .get(dialer.nodeId)
      ?.close(new LinkFailure('closed', 'disconnected by this node'), tellPeer, 'the peer closed the link');
  }

  /** Closes the link to a node, whichever side dialled it; the peer shows `tellPeer`. */
  closeLink(nodeId: string, tellPeer: LinkReason): void {
    this.connections
      .get(nodeId)
      ?.close(new LinkFailure('closed', 'closed by this node'), tellPeer, 'the peer closed the link');
  }

  /** The node ID learned at an address given to `connect`, once a link with it came up. */
  nodeIdAt(target: LinkTarget): string | undefined {
    return this.dialers.nodeIdAt(target);
  }

  /** Status of an address given to `connect`. */
  status(target: LinkTarget): LinkStatus | undefined {
    return this.dialers.status(target);
  }

  /** Refuse peers for a reason of the application; runs after the mesh's own checks, in order. */
  addAdmissionCheck(check: AdmissionCheck): void {
    this.gate.add(ADMISSION_STAGE.application, check);
  }

  /**
   * Asks the link to a node for a sign of life at once instead of at its next idle probe — for
   * when another node reports that it stopped answering: this node checks for itself, and a peer
   * that does not answer is `timeout` within `livenessTimeoutMs`. Answers whether a probe goes out
   * for it (not when unlinked, or when the link waits for an answer already).
   */
  probe(nodeId: string): boolean {
    return this.connections.get(nodeId)?.suspect() ?? false;
  }

  linkedNodes(): LinkedNode[] {
    return this.connections.linkedNodes();
  }

  isLinked(nodeId: string): boolean {
    return this.connections.get(nodeId) !== undefined;
  }

  /**
   * Sends a one-way message. Resolves once it is handed to the socket; waits while the peer is
   * behind. A typed topic (`defineMeshTopic`) checks the payload's type.
   * @throws MeshNotLinkedError, BackpressureError, MeshLinkClosedError, MeshPayloadTooLargeError
   */
  send<P, A>(nodeId: string, topic: MeshTopic<P, A>, payload: NoInfer<P>): Promise<void>;
  send(nodeId: string, topic: string, payload: unknown): Promise<void>;
  send(nodeId: string, topic: Topic, payload: unknown): Promise<void> {
    const link = this.connections.get(nodeId);
    if (!link) return Promise.reject(new MeshNotLinkedError(nodeId));
    return link.send(topicName(topic), payload);
  }

  /**
   * Sends to every linked node (encoded once); resolves with the node IDs it was sent to.
   * @throws MeshPayloadTooLargeError (before anything is sent)
   */
  broadcast<P, A>(topic: MeshTopic<P, A>, payload: NoInfer<P>): Promise<string[]>;
  broadcast(topic: string, payload: unknown): Promise<string[]>;
  async broadcast(topic: Topic, payload: unknown): Promise<string[]> {
    const name = topicName(topic);
    const buffer = checkFrameLimit(name, encodeLinkFrame.message(name, payload), this.config.maxFrameBytes);
    const targets = this.connections.links();
    const results = await Promise.allSettled(targets.map((link) => link.sendFrame(buffer)));
    return targets.filter((_, i) => results[i]?.status === 'fulfilled').map((link) => link.nodeId);
  }

  /**
   * Asks one node and resolves with its handler's answer. With a typed topic the payload and the
   * answer have its types; with a name, `T` is the caller's word for the answer's type.
   * @throws MeshNotLinkedError, MeshRequestTimeoutError, MeshRemoteError, MeshLinkClosedError,
   *   MeshPayloadTooLargeError
   */
  request<P, A>(
    nodeId: string,
    topic: MeshTopic<P, A>,
    payload: NoInfer<P>,
    options?: { timeoutMs?: number },
  ): Promise<A>;
  request<T = unknown>(
    nodeId: string,
    topic: string,
    payload: unknown,
    options?: { timeoutMs?: number },
  ): Promise<T>;
  request(
    nodeId: string,
    topic: Topic,
    payload: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    const link = this.connections.get(nodeId);
    if (!link) return Promise.reject(new MeshNotLinkedError(nodeId));
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    return link.request(topicName(topic), payload, timeoutMs);
  }

  /**
   * Asks every node linked now and resolves as soon as each has answered or failed — not at the
   * timeout when all answered — with one result per node; nodes that link meanwhile are not
   * asked. Never rejects: a node's failure is its result (`reason`: `timeout`, `handler-failed`,
   * `no-handler`, `link-closed`, …). `timeoutMs` applies per node (default `requestTimeoutMs`).
   */
  requestAll<P, A>(
    topic: MeshTopic<P, A>,
    payload: NoInfer<P>,
    options?: { timeoutMs?: number },
  ): Promise<Array<MeshNodeResult<A>>>;
  requestAll<T = unknown>(
    topic: string,
    payload: unknown,
    options?: { timeoutMs?: number },
  ): Promise<Array<MeshNodeResult<T>>>;
  requestAll(
    topic: Topic,
    payload: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<Array<MeshNodeResult<unknown>>> {
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    return requestAll(this.connections.links(), topicName(topic), payload, timeoutMs);
  }
}

/** A topic's name or a typed topic, as the implementations take it. */
type Topic = string | { readonly name: string };
