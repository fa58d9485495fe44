import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import { deriveMeshKey, type MeshKey } from '../handshake/mesh-key.js';
import type { NodeIdentityService } from '../identity/node-identity.service.js';
import type { LinkService } from '../link/link.service.js';
import type { MeshModuleOptions } from '../mesh-module.options.js';
import type { MeshConfig } from '../mesh-config.js';
import { MeshHooks } from '../events/mesh-hooks.js';
import type { PeerRegistryService, SeenNode } from '../registry/peer-registry.service.js';
import type { MeshSettingsService } from '../settings/mesh-settings.service.js';
import type { MeshSettings } from '../settings/mesh-settings.js';
import { announcementTxt, deriveDiscoveryKey, verifyAnnouncement } from './discovery-proof.js';
import { DiscoveryService } from './discovery.service.js';
import { SERVICE_TYPE, serviceRecords } from './dns-sd-records.js';
import {
  defaultMdnsFactory,
  type MdnsFactory,
  type MulticastDns,
  type MulticastDnsOptions,
} from './mdns-factory.js';

// No test here opens a socket: outside a network namespace made by a test, nothing may be sent
// to the LAN. The multicast DNS sockets are fakes that record what would have been sent.

interface Sent {
  kind: 'query' | 'response';
  packet: { questions?: Array<{ name: string; type: string }>; answers?: unknown[] };
}

class FakeMdns extends EventEmitter {
  readonly sent: Sent[] = [];
  destroyed = false;

  constructor(readonly options: MulticastDnsOptions) {
    super();
  }

  query(packet: Sent['packet'], done?: (error: Error | null) => void): void {
    if (!this.destroyed) this.sent.push({ kind: 'query', packet });
    done?.(null);
  }

  respond(packet: Sent['packet'], done?: (error: Error | null) => void): void {
    if (!this.destroyed) this.sent.push({ kind: 'response', packet });
    done?.(null);
  }

  destroy(done?: () => void): void {
    this.destroyed = true;
    done?.();
  }
}

let meshKey: MeshKey;
let otherKey: MeshKey;

beforeAll(async () => {
  [meshKey, otherKey] = await Promise.all([
    deriveMeshKey('site-mesh', 'correct horse battery staple'),
    deriveMeshKey('site-mesh', 'wrong password'),
  ]);
});

const INTERVAL_MS = 1000;
/** Present on every machine, so `selectInterfaces` finds it; the sockets are fakes anyway. */
const INTERFACE = '127.0.0.1';
const PEER: RemoteInfo = { address: '127.0.0.2', family: 'IPv4', port: 5353, size: 100 };

let settings: { current: MeshSettings };
let opened: FakeMdns[];
let seen: SeenNode[];
let service: DiscoveryService;
const selfId = randomUUID();

function makeService(
  overrides: Partial<MeshSettings> = {},
  options: Partial<MeshModuleOptions> = {},
  factory?: MdnsFactory,
): DiscoveryService {
  settings = {
    current: {
      enabled: true,
      meshId: 'site-mesh',
      key: meshKey,
      discovery: true,
      discoveryIntervalMs: INTERVAL_MS,
      acceptUnknown: true,
      ...overrides,
    },
  };
  const registry = {
    seen: (node: SeenNode) => {
      seen.push(node);
      return Promise.resolve();
    },
  };
  const open: MdnsFactory = (mdnsOptions) => {
    const mdns = new FakeMdns(mdnsOptions);
    opened.push(mdns);
    return mdns as unknown as MulticastDns;
  };
  return new DiscoveryService(
    { host: 'pbx-1.example.lan', discoveryInterface: INTERFACE, ...options } as MeshConfig,
    settings as MeshSettingsService,
    { nodeId: selfId } as NodeIdentityService,
    { port: 7222 } as LinkService,
    registry as unknown as PeerRegistryService,
    new MeshHooks(),
    factory ?? open,
  );
}

function change(next: Partial<MeshSettings>): void {
  const previous = settings.current;
  settings.current = { ...previous, ...next };
  service.onSettingsChanged({ previous, current: settings.current, credentialsChanged: false });
}

/** A response as another node of the mesh (or with `key`, of another) would multicast it. */
function peerResponse(key: MeshKey = meshKey, nodeId = randomUUID()) {
  const txt = announcementTxt(
    { nodeId, host: '127.0.0.2', port: 7300 },
    deriveDiscoveryKey(key),
    Date.now(),
  ).map((entry) => Buffer.from(entry));
  return {
    nodeId,
    packet: {
      type: 'response',
      answers: serviceRecords({ nodeId, port: 7300, address: '127.0.0.2', txt: [] }).map((record) =>
        record.type === 'TXT' ? { ...record, data: txt } : record,
      ),
      additionals: [],
    },
  };
}

function only(): FakeMdns {
  expect(opened).toHaveLength(1);
  const [mdns] = opened;
  if (!mdns) throw new Error('no socket opened');
  return mdns;
}

function responses(mdns: FakeMdns): Sent[] {
  return mdns.sent.filter((sent) => sent.kind === 'response');
}

function queries(mdns: FakeMdns): Sent[] {
  return mdns.sent.filter((sent) => sent.kind === 'query');
}

beforeEach(() => {
  opened = [];
  seen = [];
  jest.useFakeTimers({ now: Date.UTC(2025, 5, 1, 12, 0, 10) });
});

afterEach(async () => {
  await service.beforeApplicationShutdown();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('DiscoveryService switched off', () => {
  it.each([
    ['the search is off', { discovery: false }],
    ['the mesh is disabled', { enabled: false }],
    ['no mesh ID and password are set', { key: undefined, meshId: undefined }],
  ])('opens no socket and sends nothing when %s', async (_, overrides) => {
    // The real factory, with dgram refusing to make sockets: a socket opened anyway fails the test.
    const createSocket = jest.spyOn(dgram, 'createSocket').mockImplementation(() => {
      throw new Error('a UDP socket was opened while the search is off');
    });
    service = makeService(overrides, {}, defaultMdnsFactory);
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(5 * INTERVAL_MS);

    expect(createSocket).not.toHaveBeenCalled();
    expect(service.active).toBe(false);
    expect(service.interfaces).toEqual([]);
    // The spy does catch what multicast-dns opens: the check above can fail.
    expect(() => defaultMdnsFactory({ interface: INTERFACE })).toThrow(/UDP socket was opened/);
    expect(createSocket).toHaveBeenCalledTimes(1);
  });

  it('closes its sockets and sends nothing more once the search is switched off at runtime', async () => {
    service = makeService();
    service.onApplicationBootstrap();
    const mdns = only();
    await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    const sentBefore = mdns.sent.length;
    expect(queries(mdns).length).toBeGreaterThanOrEqual(3);

    change({ discovery: false });
    expect(mdns.destroyed).toBe(true);
    expect(service.interfaces).toEqual([]);
    mdns.emit('query', { questions: [{ name: SERVICE_TYPE, type: 'PTR' }] }, PEER);
    mdns.emit('response', peerResponse().packet, PEER);
    await jest.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(mdns.sent).toHaveLength(sentBefore);
    expect(opened).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it.each([
    ['the mesh is disabled', { enabled: false }],
    ['the credentials are removed', { key: undefined }],
  ])('stops when %s', (_, next) => {
    service = makeService();
    service.onApplicationBootstrap();
    change(next);
    expect(only().destroyed).toBe(true);
    expect(service.active).toBe(false);
  });
});

describe('DiscoveryService searching', () => {
  it('opens one socket on the configured interface, announces itself and browses every interval', async () => {
    service = makeService();
    service.onApplicationBootstrap();
    const mdns = only();
    expect(mdns.options).toMatchObject({ interface: INTERFACE, bind: '0.0.0.0', port: 5353 });
    expect(service.interfaces).toEqual([INTERFACE]);

    const [announcement] = responses(mdns);
    const answers = (announcement?.packet.answers ?? []) as Array<{
      name: string;
      type: string;
      data: unknown;
    }>;
    expect(answers.map((record) => record.type)).toEqual(['PTR', 'SRV', 'TXT', 'A']);
    expect(answers[0]).toMatchObject({ name: SERVICE_TYPE, data: `${selfId}.${SERVICE_TYPE}` });
    expect(answers[1]).toMatchObject({ data: { port: 7222 } });
    expect(answers[3]).toMatchObject({ data: INTERFACE });
    const txt = answers[2]?.data;
    expect(verifyAnnouncement(txt, deriveDiscoveryKey(meshKey), Date.now())).toEqual({
      nodeId: selfId,
      host: 'pbx-1.example.lan',
      port: 7222,
    });
    expect(JSON.stringify(mdns.sent)).not.toContain('site-mesh');

    expect(queries(mdns)).toHaveLength(1);
    expect(queries(mdns)[0]?.packet.questions).toEqual([{ name: SERVICE_TYPE, type: 'PTR' }]);
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(queries(mdns)).toHaveLength(4);
  });

  it('hands nodes whose proof verifies to the registry, and no others', async () => {
    service = makeService();
    service.onApplicationBootstrap();
    const mdns = only();
    const member = peerResponse();
    mdns.emit('response', member.packet, PEER);
    mdns.emit('response', peerResponse(otherKey).packet, PEER);
    mdns.emit('response', peerResponse(meshKey, selfId).packet, PEER);
    // A proof from outside the interface's subnet is not this LAN's.
    mdns.emit('response', peerResponse().packet, { ...PEER, address: '192.0.2.7' });

    expect(seen).toEqual([{ nodeId: member.nodeId, host: '127.0.0.2', port: 7300 }]);
    // Replays are handed over at most once a second.
    for (let i = 0; i < 50; i++) mdns.emit('response', member.packet, PEER);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1100);
    mdns.emit('response', member.packet, PEER);
    expect(seen).toHaveLength(2);
  });

  it('survives malformed packets and socket warnings and errors', async () => {
    service = makeService();
    service.onApplicationBootstrap();
    const mdns = only();
    const garbage: unknown[] = [
      null,
      {},
      { answers: 'x' },
      { answers: [null, 5, { type: 'TXT' }, { type: 'TXT', name: 5 }] },
      { answers: [{ type: 'TXT', name: `x.${SERVICE_TYPE}`, data: { length: 1e9 } }] },
      { answers: [{ type: 'TXT', name: `x.${SERVICE_TYPE}`, data: [Buffer.from('v=1'), 7] }] },
    ];
    for (const packet of garbage) expect(() => mdns.emit('response', packet, PEER)).not.toThrow();
    for (const packet of [null, {}, { questions: 'x' }, { questions: [null, { name: 1 }] }])
      expect(() => mdns.emit('query', packet, PEER)).not.toThrow();
    expect(() => mdns.emit('warning', new Error('Header must be 12 bytes'))).not.toThrow();
    expect(seen).toEqual([]);

    // A bind failure closes that socket; the next interval opens a new one.
    expect(() =>
      mdns.emit('error', Object.assign(new Error('bind EADDRINUSE'), { code: 'EADDRINUSE' })),
    ).not.toThrow();
    expect(mdns.destroyed).toBe(true);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(opened).toHaveLength(2);
    expect(service.interfaces).toEqual([INTERFACE]);
  });

  it('answers browses and questions for its instance, at most once a second', async () => {
    service = makeService();
    service.onApplicationBootstrap();
    const mdns = only();
    const atStart = responses(mdns).length;
    await jest.advanceTimersByTimeAsync(1500);

    mdns.emit('query', { questions: [{ name: '_other._tcp.local', type: 'PTR' }] }, PEER);
    await jest.advanceTimersByTimeAsync(200);
    expect(responses(mdns)).toHaveLength(atStart);

    mdns.emit('query', { questions: [{ name: '_UCMESH._tcp.local', type: 'PTR' }] }, PEER);
    await jest.advanceTimersByTimeAsync(200);
    expect(responses(mdns)).toHaveLength(atStart + 1);

    // A burst of browses: one more answer, a second after the last.
    for (let i = 0; i < 20; i++) {
      mdns.emit('query', { questions: [{ name: `${selfId}.${SERVICE_TYPE}`, type: 'TXT' }] }, PEER);
    }
    await jest.advanceTimersByTimeAsync(500);
    expect(responses(mdns)).toHaveLength(atStart + 1);
    await jest.advanceTimersByTimeAsync(600);
    expect(responses(mdns)).toHaveLength(atStart + 2);
  });

  it('restarts with a new interval or key, and not for other changes', () => {
    service = makeService();
    service.onApplicationBootstrap();
    change({ meshId: 'site-mesh' });
    expect(opened).toHaveLength(1);

    change({ discoveryIntervalMs: 2000 });
    expect(opened).toHaveLength(2);
    expect(opened[0]?.destroyed).toBe(true);

    change({ key: otherKey });
    expect(opened).toHaveLength(3);
    expect(opened[1]?.destroyed).toBe(true);
    const txt = (
      responses(opened[2] as FakeMdns)[0]?.packet.answers as Array<{ type: string; data: unknown }>
    ).find((record) => record.type === 'TXT')?.data;
    expect(verifyAnnouncement(txt, deriveDiscoveryKey(otherKey), Date.now())).toBeDefined();
    expect(verifyAnnouncement(txt, deriveDiscoveryKey(meshKey), Date.now())).toBeUndefined();
  });

  it('starts when switched on at runtime and stops at shutdown', async () => {
    service = makeService({ discovery: false });
    service.onApplicationBootstrap();
    expect(opened).toHaveLength(0);
    change({ discovery: true });
    const mdns = only();
    await service.beforeApplicationShutdown();
    expect(mdns.destroyed).toBe(true);
    const sent = mdns.sent.length;
    await jest.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(mdns.sent).toHaveLength(sent);
    // After shutdown, settings changes do not start it again.
    change({ discoveryIntervalMs: 3000 });
    expect(opened).toHaveLength(1);
  });

  it('waits for a configured interface address this computer does not have', async () => {
    service = makeService({}, { discoveryInterface: '192.0.2.200' });
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(service.active).toBe(true);
    expect(opened).toHaveLength(0);
  });
});
