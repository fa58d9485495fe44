import { resolveMeshConfig } from '../../src/mesh/mesh-config.js';
import { MeshHooks } from '../../src/mesh/events/mesh-hooks.js';
import { type EventEmitter, once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import fc from 'fast-check';
import {
  type Announcement,
  announcementTxt,
  deriveDiscoveryKey,
  DISCOVERY_WINDOW_MS,
  type DiscoveryKey,
  verifyAnnouncement,
} from '../../src/mesh/discovery/discovery-proof.js';
import { DiscoveryService } from '../../src/mesh/discovery/discovery.service.js';
import { SERVICE_TYPE, serviceRecords } from '../../src/mesh/discovery/dns-sd-records.js';
import type { MulticastDns } from '../../src/mesh/discovery/mdns-factory.js';
import { deriveMeshKey } from '../../src/mesh/handshake/mesh-key.js';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { fuzzRuns } from './fuzz-runs.js';
import { loopbackMdns, loopbackMdnsFactory, loopbackUdp, portOf } from './loopback-mdns.js';

// Nothing here touches the LAN: every multicast DNS instance is the real library on a loopback
// unicast socket (see loopback-mdns.ts), and the nodes run with discovery off.

const RUNS = fuzzRuns();
/** Datagrams in flight at once: a few kB each in the kernel, well under a receive buffer. */
const WINDOW = 64;
const SETTLE_MS = 5000;

/** Warnings and errors of the whole application; `LAN search: …` means a handler threw. */
class RecordingLogger implements LoggerService {
  readonly problems: string[] = [];
  log(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.problems.push(String(message));
  }
  error(message: unknown): void {
    this.problems.push(String(message));
  }
}

/** Closes a socket, or a multicast-dns instance with its socket; closed ones are fine. */
function closeQuietly(socket: Socket | MulticastDns): void {
  try {
    if ('destroy' in socket) socket.destroy();
    else socket.close();
  } catch {
    // closed already
  }
}

/**
 * A real DiscoveryService of `node` searching on the loopback `socket`, what it multicasts sent to
 * `sendTo`. The node's own search stays off (nothing may reach the LAN); this one sees it on.
 */
function loopbackSearch(node: MeshNode, socket: Socket, sendTo: number) {
  const settings = node.app.get(MeshSettingsService);
  const searching = {
    get current() {
      return { ...settings.current, discovery: true };
    },
  };
  const factory = loopbackMdnsFactory(socket, sendTo);
  const search = new DiscoveryService(
    resolveMeshConfig({ host: '127.0.0.1', discoveryInterface: '127.0.0.1' }),
    searching as MeshSettingsService,
    node.app.get(NodeIdentityService),
    node.link,
    node.app.get(PeerRegistryService),
    new MeshHooks(),
    factory,
  );
  return { search, factory, settings };
}

/** The first argument of the next `event` of `emitter`; fails after SETTLE_MS instead of waiting on. */
async function nextEvent<T>(emitter: EventEmitter, event: string): Promise<T> {
  const [value] = (await once(emitter, event, { signal: AbortSignal.timeout(SETTLE_MS) })) as [T];
  return value;
}

/** A response as multicast-dns decodes it. */
interface CapturedPacket {
  answers: Array<{ type: string; name: string; data: unknown }>;
}

interface Victim {
  node: MeshNode;
  search: DiscoveryService;
  mdns: MulticastDns;
  socket: Socket;
  key: DiscoveryKey;
  registry: PeerRegistryService;
}

describe(`discovery packets from a hostile LAN (${RUNS} cases)`, () => {
  const cluster = meshCluster();
  const open: Array<Socket | MulticastDns> = [];
  const searches: DiscoveryService[] = [];
  let logger: RecordingLogger;

  afterEach(async () => {
    await Promise.all(searches.splice(0).map((search) => search.beforeApplicationShutdown()));
    for (const socket of open.splice(0)) closeQuietly(socket);
  });

  /** A real node whose real DiscoveryService searches on a loopback socket. */
  const startVictim = async (): Promise<Victim> => {
    const node = await cluster.start();
    logger = new RecordingLogger();
    Logger.overrideLogger(logger);
    const socket = await loopbackUdp();
    const { search, factory, settings } = loopbackSearch(node, socket, portOf(socket));
    const registry = node.app.get(PeerRegistryService);
    searches.push(search);
    search.onApplicationBootstrap();
    if (!factory.opened || !search.active) throw new Error('the loopback search did not start');
    const key = settings.current.key;
    if (!key) throw new Error('the node has no mesh key');
    return { node, search, mdns: factory.opened, socket, key: deriveDiscoveryKey(key), registry };
  };

  /** A hostile sender on its own loopback address, and what it has had delivered. */
  const startSender = async (victim: Victim, address = '127.0.0.7') => {
    const socket = await loopbackUdp(address);
    open.push(socket);
    const port = portOf(socket);
    let arrived = 0;
    let sent = 0;
    let caughtUp: (() => void) | undefined;
    // Added after multicast-dns's own listener: when it runs, the packet has been handled.
    victim.socket.on('message', (_data: Buffer, from: RemoteInfo) => {
      if (from.port !== port || from.address !== address) return;
      arrived++;
      if (arrived >= sent) caughtUp?.();
    });
    const handled = () =>
      new Promise<void>((done, fail) => {
        if (arrived >= sent) return done();
        const timer = setTimeout(() => fail(new Error(`${arrived} of ${sent} datagrams arrived`)), SETTLE_MS);
        caughtUp = () => {
          clearTimeout(timer);
          caughtUp = undefined;
          done();
        };
      });
    return {
      /** Sends datagrams in windows, each delivered and handled before the next. */
      async send(packets: Buffer[]): Promise<void> {
        for (let at = 0; at < packets.length; at += WINDOW) {
          for (const packet of packets.slice(at, at + WINDOW)) {
            socket.send(packet, portOf(victim.socket), '127.0.0.1');
            sent++;
          }
          await handled();
        }
      },
    };
  };

  /** The bytes the real multicast-dns encoder makes of a response (captured on loopback). */
  const encode = async (answers: Parameters<MulticastDns['respond']>[0]): Promise<Buffer> => {
    const [capture, from] = await Promise.all([loopbackUdp(), loopbackUdp()]);
    open.push(capture, from);
    const encoder = loopbackMdns(from, portOf(capture));
    const bytes = nextEvent<Buffer>(capture, 'message');
    encoder.respond(answers);
    return bytes;
  };

  const announcementPacket = (who: Announcement, key: DiscoveryKey, nowMs = Date.now()) =>
    encode({
      answers: serviceRecords({
        nodeId: who.nodeId,
        port: who.port,
        address: '127.0.0.9',
        txt: announcementTxt(who, key, nowMs),
      }),
    });

  /** Listed nodes, once every hand-over to the registry so far has been applied. */
  const listedAfter = async (victim: Victim, member: Announcement) => {
    await victim.node.until('the member to be listed', () =>
      victim.registry.list().some((entry) => entry.nodeId === member.nodeId),
    );
    return victim.registry.list().map(({ nodeId, host, port, group }) => ({ nodeId, host, port, group }));
  };

  const searchProblems = () => logger.problems.filter((problem) => /^LAN search[: ]/.test(problem));

  const flip = (bytes: Buffer, flips: Array<[number, number]>, cut: number): Buffer => {
    const copy = Buffer.from(bytes);
    for (const [at, bits] of flips) copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ bits;
    return copy.subarray(0, copy.length - (cut % 8));
  };
  const mutation = fc.tuple(
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.nat(),
  );

  it('strangers: random datagrams, altered announcements of another mesh, any decoded shape — none listed', async () => {
    const victim = await startVictim();
    const sender = await startSender(victim);
    const share = Math.ceil(RUNS / 3);

    // 1. Arbitrary datagrams through the kernel and the real DNS decoder.
    const raw = fc.sample(fc.uint8Array({ maxLength: 512 }), { numRuns: share }).map((b) => Buffer.from(b));
    await sender.send(raw);

    // 2. Genuine-looking announcements of another mesh (same mesh ID, another password), bit-flipped.
    const stranger = deriveDiscoveryKey(await deriveMeshKey('test-mesh', 'not-the-password'));
    const foreign = await announcementPacket({ nodeId: randomUUID(), host: '127.0.0.1', port: 1 }, stranger);
    await sender.send([foreign]);
    const altered = fc.sample(mutation, { numRuns: share }).map(([flips, cut]) => flip(foreign, flips, cut));
    await sender.send(altered);

    // 3. Whatever a decoder could hand over (and more): any packet object, any sender.
    const txtEntry = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc
        .tuple(
          fc.constantFrom('v', 'id', 'host', 'port', 'w', 'mac', 'V', 'ID'),
          fc.string({ maxLength: 60 }),
        )
        .map(([name, value]) => `${name}=${value}`),
      fc.anything({ maxDepth: 1 }),
    );
    const record = fc.record(
      {
        name: fc.oneof(
          fc.constantFrom(SERVICE_TYPE, `${randomUUID()}.${SERVICE_TYPE}`, `X.${SERVICE_TYPE.toUpperCase()}`),
          fc.string({ maxLength: 30 }).map((name) => `${name}.${SERVICE_TYPE}`),
          fc.anything({ maxDepth: 1 }),
        ),
        type: fc.oneof(fc.constantFrom('TXT', 'PTR', 'SRV', 'A', 'ANY'), fc.anything({ maxDepth: 0 })),
        data: fc.oneof(fc.array(txtEntry, { maxLength: 20 }), txtEntry, fc.anything({ maxDepth: 2 })),
      },
      { requiredKeys: [] },
    );
    const packet = fc.oneof(
      fc.record({
        answers: fc.array(record, { maxLength: 70 }),
        additionals: fc.array(record, { maxLength: 4 }),
      }),
      fc.record({ questions: fc.oneof(fc.array(record, { maxLength: 40 }), fc.anything({ maxDepth: 1 })) }),
      fc.anything({ maxDepth: 3 }),
    );
    const from = fc.record({
      address: fc.oneof(
        fc.ipV4().map((ip) => `127.${ip.split('.').slice(1).join('.')}`),
        fc.ipV4(),
        fc.string(),
      ),
      family: fc.constant('IPv4'),
      port: fc.integer({ min: 0, max: 65535 }),
      size: fc.nat(9000),
    });
    fc.assert(
      fc.property(fc.constantFrom('response', 'query'), packet, from, (kind, value, sender) => {
        // Emitted where multicast-dns emits what it decoded: straight into the service's handlers.
        victim.mdns.emit(kind, value, sender);
        if (searchProblems().length > 0) throw new Error(searchProblems().join('\n'));
      }),
      { numRuns: RUNS - 2 * share },
    );

    // A member's genuine announcement last: once it is listed, everything before it was handled.
    const member = { nodeId: randomUUID(), host: '127.0.0.1', port: 1 };
    await sender.send([await announcementPacket(member, victim.key)]);
    expect(await listedAfter(victim, member)).toEqual([{ ...member, group: 'discovered' }]);
    expect(victim.node.named('mesh.node.discovered').map((e) => e.payload.nodeId)).toEqual([member.nodeId]);
    expect(searchProblems()).toEqual([]);
    expect(victim.search.active).toBe(true);
  });

  it("a member's genuine announcement, altered anywhere: lists at most that member, at the address it signed", async () => {
    const victim = await startVictim();
    const sender = await startSender(victim);
    const member = { nodeId: randomUUID(), host: '127.0.0.1', port: 1 };
    const genuine = await announcementPacket(member, victim.key);
    const runs = Math.ceil(RUNS / 5);
    await sender.send(
      fc.sample(mutation, { numRuns: runs }).map(([flips, cut]) => flip(genuine, flips, cut)),
    );
    await sender.send([genuine]);
    // A flip outside what the MAC covers (a PTR, a TTL, the letter case of a key) may still verify:
    // it can only repeat what the member signed.
    expect(await listedAfter(victim, member)).toEqual([{ ...member, group: 'discovered' }]);
    expect(searchProblems()).toEqual([]);
  });
});

describe('a captured announcement replayed', () => {
  const cluster = meshCluster();
  const open: Array<Socket | MulticastDns> = [];
  const searches: DiscoveryService[] = [];

  afterEach(async () => {
    await Promise.all(searches.splice(0).map((search) => search.beforeApplicationShutdown()));
    for (const socket of open.splice(0)) closeQuietly(socket);
  });

  /** A real node searching on a loopback socket; what it multicasts goes to `sendTo` (itself if unset). */
  const searchingNode = async (sendTo?: number) => {
    const node = await cluster.start();
    const socket = await loopbackUdp();
    const { search, settings } = loopbackSearch(node, socket, sendTo ?? portOf(socket));
    searches.push(search);
    return { node, socket, search, settings };
  };

  it('only points at the real member, cannot be pointed elsewhere, and expires with its time window', async () => {
    // The eavesdropper's capture of what the member multicasts: the bytes, and decoded by the real library.
    const capture = await loopbackUdp();
    const decoder = loopbackMdns(capture, portOf(capture));
    open.push(decoder);
    const bytes = nextEvent<Buffer>(capture, 'message');
    const decoded = nextEvent<CapturedPacket>(decoder, 'response');
    const member = await searchingNode(portOf(capture));
    const capturedAt = Date.now();
    member.search.onApplicationBootstrap();
    const [recorded, packet] = await Promise.all([bytes, decoded]);
    const txt = packet.answers.find((answer) => answer.type === 'TXT')?.data as Buffer[];

    // Freshness is the time window in the proof: accepted in its own window and the next, then never.
    const key = member.settings.current.key;
    if (!key) throw new Error('no mesh key');
    const discoveryKey = deriveDiscoveryKey(key);
    expect(verifyAnnouncement(txt, discoveryKey, capturedAt)).toMatchObject({ nodeId: member.node.nodeId });
    expect(verifyAnnouncement(txt, discoveryKey, capturedAt + DISCOVERY_WINDOW_MS)).toBeDefined();
    expect(verifyAnnouncement(txt, discoveryKey, capturedAt + 2 * DISCOVERY_WINDOW_MS)).toBeUndefined();

    const victim = await searchingNode();
    victim.search.onApplicationBootstrap();
    // Replayed from another address (the source is not in the proof), first rewritten to point at
    // the attacker's own port or host, then as captured.
    const attacker = await loopbackUdp('127.0.0.23');
    const trap = await loopbackUdp();
    open.push(trap);
    const encoder = loopbackMdns(attacker, portOf(victim.socket));
    open.push(encoder);
    const rewritten = (name: string, value: string) =>
      packet.answers.map((answer) =>
        answer.type !== 'TXT'
          ? answer
          : {
              ...answer,
              data: txt.map((e) => (e.toString().startsWith(`${name}=`) ? `${name}=${value}` : e)),
            },
      );
    for (const answers of [rewritten('port', String(portOf(trap))), rewritten('host', '127.0.0.23')]) {
      await new Promise((done) => encoder.respond({ answers: answers as never }, done));
    }
    await new Promise((done) => attacker.send(recorded, portOf(victim.socket), '127.0.0.1', done));

    const registry = victim.node.app.get(PeerRegistryService);
    await victim.node.until('the replay to be listed', () => registry.list().length > 0);
    // Nothing points at the trap or the attacker: the one entry is the member, at its own address.
    expect(registry.list().map(({ nodeId, host, port }) => ({ nodeId, host, port }))).toEqual([
      { nodeId: member.node.nodeId, host: '127.0.0.1', port: member.node.link.port },
    ]);
    // And what the victim dials there is the real member, which the handshake authenticates.
    await victim.node.until('a real link to the member', () => victim.node.link.isLinked(member.node.nodeId));
  });
});
