import { randomInt } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { LinkService } from '../link/link.service.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { PeerRegistryService } from '../registry/peer-registry.service.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import type { MeshSettings, MeshSettingsChanged } from '../settings/mesh-settings.js';
import { type DiscoveryInterface, inSubnet, selectInterfaces } from './discovery-interfaces.js';
import {
  type Announcement,
  announcementTxt,
  deriveDiscoveryKey,
  type DiscoveryKey,
  verifyAnnouncement,
} from './discovery-proof.js';
import {
  asksFor,
  browseQuestions,
  SERVICE_TYPE,
  serviceRecords,
  serviceTxtRecords,
} from './dns-sd-records.js';
import { defaultMdnsFactory, MDNS_FACTORY, type MdnsFactory, type MulticastDns } from './mdns-factory.js';
import { errorMessage } from '../../common/describe-error.js';

/** See `DiscoveryService.searchReport`. */
export interface DiscoveryReport {
  off?: string;
  interfaces: string[];
  announcementsSent: number;
  announcementsReceived: number;
  lastReceivedAt?: string;
}

const MDNS_PORT = 5353;
const MDNS_GROUP = '224.0.0.251';
/** RFC 6762 §6: the same records go out at most once a second per interface … */
const MIN_ANSWER_GAP_MS = 1000;
/** … and answers to a browse wait 20–120 ms, so that the responders of a LAN do not collide. */
const ANSWER_DELAY_MS = { min: 20, max: 120 } as const;
/** TXT records of one response that are checked; a node announces one. */
const MAX_TXT_PER_PACKET = 8;
/** One announcement is handed to the registry at most this often, however often it is replayed. */
const REPORT_GAP_MS = 1000;
const MAX_REPORTED = 1024;
const CLOSE_LIMIT_MS = 2000;

/** One multicast DNS socket, on one interface address. */
interface SearchSocket {
  readonly nic: DiscoveryInterface;
  readonly mdns: MulticastDns;
  lastAnswerAt: number;
  answerTimer?: NodeJS.Timeout;
  sendFailing: boolean;
  closed: boolean;
}

/** A running search: the settings it runs with and its sockets. */
interface Search {
  readonly key: DiscoveryKey;
  readonly intervalMs: number;
  readonly sockets: SearchSocket[];
  timer?: NodeJS.Timeout;
  /** Last hand-over to the registry per announcement (`nodeId host:port`). */
  readonly reported: Map<string, number>;
  /** Addresses already warned about, so a lasting failure is logged once, not every interval. */
  readonly warned: Set<string>;
}

/**
 * The search for mesh nodes on the LAN: DNS-SD over multicast DNS, service `_ucmesh._tcp.local`.
 * While the mesh is enabled, the search is on and mesh ID + password are set, it announces this
 * node at start, browses every `discoveryIntervalMs` and answers browses; every answer whose TXT
 * proof verifies under this node's mesh key is handed to the `PeerRegistryService`, which lists,
 * dials and eventually forgets the node. Otherwise no multicast socket is open and nothing is
 * sent or received.
 *
 * One socket per IPv4 interface address (`MESH_DISCOVERY_INTERFACE`, or every non-internal one).
 * The sockets share port 5353 and the kernel hands each of them every mDNS packet of every
 * interface, so a packet is handled only by the socket whose subnet holds its source address; with
 * `MESH_DISCOVERY_INTERFACE` set, packets from outside that subnet are ignored.
 */
@Injectable()
export class DiscoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DiscoveryService.name);
  private search?: Search;
  private shuttingDown = false;
  private readonly closing = new Set<Promise<void>>();
  private announcementsSent = 0;
  private announcementsReceived = 0;
  private lastReceivedAt?: number;

  /**
   * @internal Nest constructs it. Left out of the published declarations: `MdnsFactory` is typed
   * with `@types/multicast-dns`, which a host does not install.
   */
  constructor(
    @Inject(MESH_CONFIG) private readonly options: MeshConfig,
    private readonly settings: MeshSettingsService,
    private readonly identity: NodeIdentityService,
    private readonly link: LinkService,
    private readonly registry: PeerRegistryService,
    hooks: MeshHooks,
    @Optional() @Inject(MDNS_FACTORY) private readonly openMdns: MdnsFactory = defaultMdnsFactory,
  ) {
    hooks.settingsChanged.add('DiscoveryService', HOOK_ORDER.discovery, (change) =>
      this.onSettingsChanged(change),
    );
  }

  /** Whether the search runs (it may still wait for its interface to appear). */
  get active(): boolean {
    return this.search !== undefined;
  }

  /** Interface addresses with an open multicast DNS socket; empty while the search is off. */
  get interfaces(): string[] {
    return this.search?.sockets.map((socket) => socket.nic.address) ?? [];
  }

  /**
   * What the search does, for a diagnosis: why it is off (undefined while on), its interfaces,
   * this node's announcements sent and the other nodes' (verified under the mesh key) received
   * since start, and when the last one arrived.
   */
  get searchReport(): DiscoveryReport {
    return {
      off: this.search ? undefined : (offReason(this.settings.current) ?? 'not running'),
      interfaces: this.interfaces,
      announcementsSent: this.announcementsSent,
      announcementsReceived: this.announcementsReceived,
      ...(this.lastReceivedAt !== undefined && {
        lastReceivedAt: new Date(this.lastReceivedAt).toISOString(),
      }),
    };
  }

  // LinkService (a dependency, so bootstrapped before this) listens by now: its port is the bound one.
  onApplicationBootstrap(): void {
    const current = this.settings.current;
    const off = offReason(current);
    if (off) this.logger.log(`LAN search off: ${off}`);
    else this.apply(current);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.stop('shutdown');
    if (this.closing.size > 0) {
      await Promise.race([Promise.all(this.closing), sleep(CLOSE_LIMIT_MS, undefined, { ref: false })]);
    }
  }

  /** Off ⇒ sockets closed; on ⇒ started; a new interval or key ⇒ restarted. */
  onSettingsChanged({ current }: MeshSettingsChanged): void {
    this.apply(current);
  }

  private apply(current: MeshSettings): void {
    if (this.shuttingDown) return;
    const off = offReason(current);
    if (off !== undefined || !current.key) {
      this.stop(off ?? 'no mesh key');
      return;
    }
    const key = deriveDiscoveryKey(current.key);
    const running = this.search;
    if (running && running.intervalMs === current.discoveryIntervalMs && running.key.equals(key)) return;
    if (running) this.stop('settings changed');
    this.start(key, current.discoveryIntervalMs);
  }

  private start(key: DiscoveryKey, intervalMs: number): void {
    try {
      announcementTxt(this.self(), key, Date.now());
    } catch (error: unknown) {
      this.logger.error(`LAN search not started: ${errorMessage(error)}`);
      return;
    }
    const search: Search = { key, intervalMs, sockets: [], reported: new Map(), warned: new Set() };
    this.search = search;
    search.timer = setInterval(() => this.guard(() => this.tick(search)), intervalMs);
    search.timer.unref();
    const opened = this.openSockets(search);
    const where = search.sockets.map((socket) => socket.nic.address).join(', ') || 'no interface yet';
    this.logger.log(`LAN search on ${where} every ${intervalMs} ms (${SERVICE_TYPE})`);
    for (const socket of opened) {
      this.announce(search, socket);
      this.browse(search, socket);
    }
  }

  private stop(reason: string): void {
    const search = this.search;
    if (!search) return;
    this.search = undefined;
    clearInterval(search.timer);
    for (const socket of [...search.sockets]) this.closeSocket(search, socket);
    this.logger.log(`LAN search stopped: ${reason}`);
  }

  private tick(search: Search): void {
    if (this.search !== search) return;
    const opened = this.openSockets(search);
    for (const socket of opened) this.announce(search, socket);
    const forgetBefore = Date.now() - 3 * search.intervalMs;
    for (const [announcement, at] of search.reported) {
      if (at < forgetBefore) search.reported.delete(announcement);
    }
    for (const socket of search.sockets) this.browse(search, socket);
  }

  /** Opens sockets on wanted addresses that have none, closes those on vanished ones. */
  private openSockets(search: Search): SearchSocket[] {
    const configured = this.options.discoveryInterface;
    const wanted = selectInterfaces(configured, networkInterfaces());
    if (configured !== undefined && wanted.length === 0) {
      this.warnOnce(search, configured, `${configured} is not an address of this computer; waiting for it`);
    }
    for (const socket of [...search.sockets]) {
      if (!wanted.some((nic) => nic.address === socket.nic.address)) this.closeSocket(search, socket);
    }
    const opened: SearchSocket[] = [];
    for (const nic of wanted) {
      if (search.sockets.some((socket) => socket.nic.address === nic.address)) continue;
      const socket = this.openSocket(search, nic);
      if (socket) opened.push(socket);
    }
    return opened;
  }

  private openSocket(search: Search, nic: DiscoveryInterface): SearchSocket | undefined {
    let mdns: MulticastDns;
    try {
      // Bound to the wildcard: on Linux a socket bound to a unicast address never sees multicast.
      // `interface` picks where to join the group and where to send from.
      mdns = this.openMdns({
        interface: nic.address,
        bind: '0.0.0.0',
        port: MDNS_PORT,
        ip: MDNS_GROUP,
        reuseAddr: true,
        loopback: true,
        ttl: 255,
      });
    } catch (error: unknown) {
      this.warnOnce(search, nic.address, `cannot open a multicast DNS socket: ${errorMessage(error)}`);
      return undefined;
    }
    const socket: SearchSocket = { nic, mdns, lastAnswerAt: 0, sendFailing: false, closed: false };
    search.sockets.push(socket);
    // Handlers run inside the socket's 'message' event: an exception there would end the process.
    mdns.on('error', (error: Error) => this.guard(() => this.onSocketError(search, socket, error)));
    mdns.on('warning', (error: Error) =>
      this.logger.debug(`LAN search on ${nic.address}: ${errorMessage(error)}`),
    );
    mdns.on('query', (packet, from: RemoteInfo) =>
      this.guard(() => this.onQuery(search, socket, packet, from)),
    );
    mdns.on('response', (packet, from: RemoteInfo) =>
      this.guard(() => this.onResponse(search, socket, packet, from)),
    );
    return socket;
  }

  private closeSocket(search: Search, socket: SearchSocket): void {
    socket.closed = true;
    clearTimeout(socket.answerTimer);
    const index = search.sockets.indexOf(socket);
    if (index >= 0) search.sockets.splice(index, 1);
    const closed = new Promise<void>((done) => {
      try {
        socket.mdns.destroy(() => done());
      } catch (error: unknown) {
        this.logger.debug(`LAN search on ${socket.nic.address}: close: ${errorMessage(error)}`);
        done();
      }
    });
    this.closing.add(closed);
    void closed.then(() => this.closing.delete(closed));
  }

  private onSocketError(search: Search, socket: SearchSocket, error: Error): void {
    if (socket.closed) return;
    // Bind failures (EADDRINUSE, EACCES): the socket is useless; the next interval tries again.
    this.warnOnce(search, socket.nic.address, `${errorMessage(error)}; trying again every interval`);
    this.closeSocket(search, socket);
  }

  private onQuery(search: Search, socket: SearchSocket, packet: unknown, from: RemoteInfo): void {
    if (socket.closed || this.search !== search || !this.handles(search, socket, from)) return;
    const questions =
      typeof packet === 'object' && packet !== null ? (packet as { questions?: unknown }).questions : [];
    if (asksFor(questions, this.identity.nodeId)) this.answerSoon(search, socket);
  }

  private onResponse(search: Search, socket: SearchSocket, packet: unknown, from: RemoteInfo): void {
    if (socket.closed || this.search !== search || !this.handles(search, socket, from)) return;
    const now = Date.now();
    // During a password rotation nodes not switched yet announce with the previous key.
    const previous = this.settings.current.previousKey;
    const previousKey = previous ? deriveDiscoveryKey(previous) : undefined;
    for (const txt of serviceTxtRecords(packet, MAX_TXT_PER_PACKET)) {
      const found =
        verifyAnnouncement(txt, search.key, now) ??
        (previousKey ? verifyAnnouncement(txt, previousKey, now) : undefined);
      if (!found || found.nodeId === this.identity.nodeId) continue;
      this.announcementsReceived++;
      this.lastReceivedAt = now;
      this.report(search, found, now);
    }
  }

  /** The socket whose subnet holds the sender handles its packet; the others drop their copy. */
  private handles(search: Search, socket: SearchSocket, from: RemoteInfo): boolean {
    const owner = search.sockets.find((candidate) => inSubnet(from.address, candidate.nic));
    if (owner) return owner === socket;
    // A sender outside every subnet: heard only when searching on all interfaces, and then once.
    return this.options.discoveryInterface === undefined && search.sockets[0] === socket;
  }

  private report(search: Search, found: Announcement, now: number): void {
    const id = `${found.nodeId} ${found.host}:${found.port}`;
    const last = search.reported.get(id);
    if (last !== undefined && now - last < REPORT_GAP_MS) return;
    if (last === undefined) {
      this.logger.log(`LAN search found ${found.host}:${found.port} (${found.nodeId})`);
      const oldest = search.reported.keys().next();
      if (search.reported.size >= MAX_REPORTED && !oldest.done) search.reported.delete(oldest.value);
    }
    search.reported.delete(id);
    search.reported.set(id, now);
    this.registry
      .seen(found)
      .catch((error: unknown) =>
        this.logger.warn(`LAN search: could not list ${found.host}:${found.port}: ${errorMessage(error)}`),
      );
  }

  private answerSoon(search: Search, socket: SearchSocket): void {
    if (socket.answerTimer) return;
    const gap = socket.lastAnswerAt + MIN_ANSWER_GAP_MS - Date.now();
    const delay = Math.max(randomInt(ANSWER_DELAY_MS.min, ANSWER_DELAY_MS.max + 1), gap);
    socket.answerTimer = setTimeout(() => {
      socket.answerTimer = undefined;
      if (!socket.closed && this.search === search) this.guard(() => this.announce(search, socket));
    }, delay);
    socket.answerTimer.unref();
  }

  /** An unsolicited response with PTR, SRV, TXT and A: how others learn of this node. */
  private announce(search: Search, socket: SearchSocket): void {
    const now = Date.now();
    socket.lastAnswerAt = now;
    const self = this.self();
    const answers = serviceRecords({
      nodeId: self.nodeId,
      port: self.port,
      address: socket.nic.address,
      txt: announcementTxt(self, search.key, now),
    });
    socket.mdns.respond({ answers }, (error) => {
      if (!error) this.announcementsSent++;
      this.sent(socket, error);
    });
  }

  private browse(search: Search, socket: SearchSocket): void {
    if (socket.closed || this.search !== search) return;
    socket.mdns.query({ questions: browseQuestions() }, (error) => this.sent(socket, error));
  }

  private sent(socket: SearchSocket, error: Error | null | undefined): void {
    if (!error) {
      socket.sendFailing = false;
    } else if (!socket.sendFailing) {
      socket.sendFailing = true;
      this.logger.warn(`LAN search on ${socket.nic.address}: cannot send: ${errorMessage(error)}`);
    }
  }

  private self(): Announcement {
    return { nodeId: this.identity.nodeId, host: this.options.host, port: this.link.port };
  }

  private warnOnce(search: Search, address: string, text: string): void {
    if (search.warned.has(address)) this.logger.debug(`LAN search on ${address}: ${text}`);
    else this.logger.warn(`LAN search on ${address}: ${text}`);
    search.warned.add(address);
  }

  private guard(work: () => void): void {
    try {
      work();
    } catch (error: unknown) {
      this.logger.warn(`LAN search: ${errorMessage(error)}`);
    }
  }
}

function offReason(settings: MeshSettings): string | undefined {
  if (!settings.enabled) return 'the mesh is disabled';
  if (!settings.discovery) return 'switched off';
  if (!settings.key) return 'no mesh ID and password set';
  return undefined;
}
