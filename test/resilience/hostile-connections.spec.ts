import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { frame } from '../../src/mesh/wire/frame-decoder.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { RecordingProxy } from '../helpers/recording-proxy.js';
import { connectRawPeer } from '../helpers/raw-peer.js';
import { EchoHandler, keepRequesting } from '../helpers/mesh-traffic.js';
import { decodeFrames, madeUpHello, rawClient } from '../helpers/raw-client.js';

const CREDENTIALS = { meshId: 'test-mesh', password: 'test-password' };
/** Short, so that silent clients are cut quickly; nothing asserts on time. */
const HANDSHAKE_TIMEOUT_MS = 800;

/** How a hand-driven dial ends: 'linked', or the reason the node refused it. */
function dialOutcome(dial: Promise<{ socket: Socket }>): Promise<string> {
  return dial.then(
    ({ socket }) => (socket.destroy(), 'linked'),
    (error: unknown) => (error as { reason?: string }).reason ?? String(error),
  );
}

describe('hostile connections against a real node, while others are served', () => {
  const cluster = meshCluster();
  const sockets: Socket[] = [];
  const servers: Server[] = [];
  const proxies: RecordingProxy[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) server.close();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  const start = (options: Partial<MeshModuleOptions> = {}) => cluster.start(options, [EchoHandler]);

  /** The node under attack with a linked peer and traffic between them. */
  const linkedPair = async (options: Partial<MeshModuleOptions> = {}) => {
    const target = await start({ handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, ...options });
    const peer = await start();
    peer.link.connect(target.target);
    await peer.untilStatus(target.target, 'connected');
    await target.until('the inbound link', () => target.link.isLinked(peer.nodeId));
    const traffic = keepRequesting([
      [peer, target],
      [target, peer],
    ]);
    return { target, peer, traffic };
  };

  /** A node that starts dialling `target` now must link and be answered. */
  const freshPeerLinks = async (target: MeshNode) => {
    const fresh = await start();
    fresh.link.connect(target.target);
    await fresh.untilStatus(target.target, 'connected');
    await expect(fresh.link.request(target.nodeId, 'test.echo', 'fresh')).resolves.toEqual({
      payload: 'fresh',
      from: fresh.nodeId,
    });
    return fresh;
  };

  const inboundFrom = (node: MeshNode, address: string) =>
    node
      .inboundErrors()
      .filter((e) => e.payload.remoteAddress === address)
      .map((e) => e.payload.reason);

  it('cuts silent clients and byte-tricklers (slowloris) at the handshake limit with timeout', async () => {
    const { target, traffic } = await linkedPair();
    const bytes = frame(madeUpHello());
    const trickle = (socket: Socket) => {
      // One byte every 40 ms: the hello would take seconds; stops once the node closes the socket.
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= bytes.length) return clearInterval(timer);
        socket.write(bytes.subarray(at, ++at));
      }, 40);
      socket.once('close', () => clearInterval(timer));
    };
    const silent = Array.from({ length: 6 }, (_, i) =>
      rawClient(target.link.port, { localAddress: `127.0.3.${i + 1}` }),
    );
    const slow = Array.from({ length: 6 }, (_, i) =>
      rawClient(target.link.port, { localAddress: `127.0.4.${i + 1}`, onConnect: trickle }),
    );
    sockets.push(...[...silent, ...slow].map((client) => client.socket));

    const fresh = await freshPeerLinks(target);
    const outcomes = await Promise.all([...silent, ...slow].map((client) => client.outcome));
    const { answered, failures } = await traffic.stop();

    expect(outcomes.every((outcome) => outcome.closedByNode)).toBe(true);
    for (let i = 1; i <= 6; i++) {
      await target.until('the silent client reported', () => inboundFrom(target, `127.0.3.${i}`).length > 0);
      await target.until('the trickler reported', () => inboundFrom(target, `127.0.4.${i}`).length > 0);
      expect(inboundFrom(target, `127.0.3.${i}`)).toEqual(['timeout']);
      expect(inboundFrom(target, `127.0.4.${i}`)).toEqual(['timeout']);
    }
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(target.link.isLinked(fresh.nodeId)).toBe(true);
  });

  it('survives 2,400 connections at once: excess refused with rate-limited, links and new peers served', async () => {
    const { target, peer, traffic } = await linkedPair();
    const CONNECTIONS = 2400;
    // Many sources (4 connections each, under the per-address limit of 8 pending), so that the
    // global limit of 256 handshakes is what holds.
    const ADDRESSES = 600;
    const source = (n: number) => `127.0.${10 + Math.floor((n % ADDRESSES) / 200)}.${(n % 200) + 1}`;
    const clients = Array.from({ length: CONNECTIONS }, (_, i) =>
      rawClient(target.link.port, { localAddress: source(i) }),
    );
    sockets.push(...clients.map((client) => client.socket));
    const flood = Promise.all(clients.map((client) => client.outcome));
    // The node's own count of handshakes in progress, sampled until every connection has closed.
    let most = 0;
    let flooding = true;
    void flood.finally(() => (flooding = false));
    const sampler = (async () => {
      for (let k = 0; flooding && k < 10_000; k++) {
        most = Math.max(most, target.link.handshakesInProgress);
        await new Promise((done) => setTimeout(done, 2));
      }
    })();
    // A peer starts dialling while the flood holds every handshake slot; it links once there is room.
    const fresh = await start();
    fresh.link.connect(target.target);
    const outcomes = await flood;
    await sampler;
    const { answered, failures } = await traffic.stop();

    // Every connection was closed by the node; those turned away were told why.
    expect(outcomes).toHaveLength(CONNECTIONS);
    expect(outcomes.every((outcome) => outcome.closedByNode)).toBe(true);
    const told = outcomes.flatMap((outcome) => decodeFrames(outcome.received));
    expect(told.length).toBeGreaterThan(0);
    for (const body of told) expect(body).toMatchObject({ t: 'error', reason: 'rate-limited' });
    // The flood filled every handshake slot, and never more: 256 at once, whatever the flood.
    expect(most).toBe(256);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(target.link.isListening).toBe(true);
    expect(target.link.isLinked(peer.nodeId)).toBe(true);
    await fresh.untilStatus(target.target, 'connected');
    await expect(fresh.link.request(target.nodeId, 'test.echo', 1)).resolves.toEqual({
      payload: 1,
      from: fresh.nodeId,
    });
  });

  it('refuses authenticated peers beyond the license with connection-limit-remote, keeping its links', async () => {
    // The evaluation license allows 2 links: one to `peer`, one to a second node. The default
    // handshake limit: the made-up peers derive their key (scrypt) after connecting.
    const { target, peer, traffic } = await linkedPair({ handshakeTimeoutMs: 10_000 });
    const second = await start();
    second.link.connect(target.target);
    await second.untilStatus(target.target, 'connected');
    const refused = await Promise.all(
      Array.from({ length: 5 }, () => dialOutcome(connectRawPeer(target.target, CREDENTIALS))),
    );
    const { failures } = await traffic.stop();
    expect(refused).toEqual(Array(5).fill('connection-limit-remote'));
    expect(target.inboundErrors('connection-limit-remote')).toHaveLength(5);
    expect(
      target.link
        .linkedNodes()
        .map((n) => n.nodeId)
        .sort(),
    ).toEqual([peer.nodeId, second.nodeId].sort());
    expect(failures).toEqual([]);
  });

  it('a replayed handshake (recorded through a proxy) is refused in both directions; nothing is accepted', async () => {
    const { target, peer, traffic } = await linkedPair();
    // Record a real handshake: a node dials the target through a recording proxy.
    const recorder = await RecordingProxy.start(target.link.port);
    proxies.push(recorder);
    const dialer = await start();
    dialer.link.connect({ host: '127.0.0.1', port: recorder.port });
    await dialer.untilStatus({ host: '127.0.0.1', port: recorder.port }, 'connected');
    const recorded = recorder.bytes();
    expect(recorded.toTarget.length).toBeGreaterThan(0);

    // 1. The dialer's bytes replayed to the target, while the recorded node is still linked.
    const replays = await Promise.all(
      ['127.0.6.1', '127.0.6.2', '127.0.6.3'].map((address) => {
        const client = rawClient(target.link.port, {
          localAddress: address,
          onConnect: (socket) => socket.write(recorded.toTarget),
        });
        sockets.push(client.socket);
        return client.outcome;
      }),
    );
    for (const replay of replays) {
      expect(replay.closedByNode).toBe(true);
      const frames = decodeFrames(replay.received);
      // The target answers with a fresh hello of its own, then refuses the stale proofs.
      expect(frames[0]).toMatchObject({ t: 'hello', nodeId: target.nodeId });
      expect(frames.at(-1)).toMatchObject({
        t: 'error',
        reason: expect.stringMatching(/^(mesh-id|password)-mismatch$/),
      });
    }
    const ups = target.named('mesh.link.up').filter((e) => e.payload.nodeId === dialer.nodeId);
    expect(ups).toHaveLength(1); // the recorded link itself; the replays made none
    expect(target.link.isLinked(dialer.nodeId)).toBe(true);

    // 2. The target's bytes replayed by a fake acceptor to a node that dials it.
    const fake = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.write(recorded.fromTarget));
    });
    servers.push(fake);
    await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
    const fakeTarget = { host: '127.0.0.1', port: (fake.address() as { port: number }).port };
    const victim = await start({ reconnectMinMs: 5000, reconnectMaxMs: 5000 });
    victim.link.connect(fakeTarget);
    const status = await victim.until('the victim to refuse the replay', () => {
      const current = victim.link.status(fakeTarget);
      return current?.state === 'error' ? current : undefined;
    });
    expect(status.reason).toMatch(/^(mesh-id|password)-mismatch$/);
    expect(victim.link.isLinked(target.nodeId)).toBe(false);
    expect(victim.named('mesh.link.up')).toEqual([]);

    const { failures, answered } = await traffic.stop();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(target.link.isLinked(peer.nodeId)).toBe(true);
  });

  it('a node with the right mesh ID and a wrong password: password-mismatch on both sides, others served', async () => {
    const { target, traffic } = await linkedPair();
    // A real node (one attempt every 5 s) and a hand-driven dialer from its own address that keeps guessing.
    const wrong = await start({ password: 'not-the-password', reconnectMinMs: 5000, reconnectMaxMs: 5000 });
    wrong.link.connect(target.target);
    const status = await wrong.untilStatus(target.target, 'error', 'password-mismatch');
    expect(status.message).toEqual(expect.any(String));
    await target.until('the target to report it', () => target.inboundErrors('password-mismatch').length > 0);
    wrong.link.disconnect(target.target);

    const guesses: string[] = [];
    for (let i = 0; i < 12; i++) {
      const guess = { meshId: CREDENTIALS.meshId, password: `guess-${i}` };
      guesses.push(await dialOutcome(connectRawPeer(target.target, guess, undefined, '127.0.7.1')));
    }
    // Ten failures per minute and address; then that address is turned away before any proof.
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill('password-mismatch'));
    expect(guesses.slice(10)).toEqual(['rate-limited', 'rate-limited']);
    expect(inboundFrom(target, '127.0.7.1')).toEqual(Array(10).fill('password-mismatch'));

    const fresh = await freshPeerLinks(target);
    const { failures, answered } = await traffic.stop();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(target.link.isLinked(fresh.nodeId)).toBe(true);
    expect(wrong.named('mesh.link.up')).toEqual([]);
  });
});
