import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import type { PeerClock } from '../clock/peer-clock.js';
import { ENCRYPTION_MODES, type EncryptionMode } from '../link/encryption-mode.js';
import { LinkFailure, type LinkReason } from '../link/link-reason.js';
import { decodeBody, encodeBody } from '../wire/body-codec.js';
import type { Role } from './auth-proof.js';
import { type Hello, PROTOCOL_MAGIC, PROTOCOL_VERSIONS } from './handshake-messages.js';
const PROTOCOL_VERSION = PROTOCOL_VERSIONS.max;
import { Handshake, type HandshakeOptions, type HandshakeStep, type LocalHello } from './handshake.js';
import { deriveMeshKey, type MeshKey } from './mesh-key.js';
import { negotiateTransport } from './transport-negotiation.js';

let meshKey: MeshKey;
let otherPassword: MeshKey;
let otherMesh: MeshKey;

beforeAll(async () => {
  // scrypt is deliberately slow: derive each key once for the whole file.
  [meshKey, otherPassword, otherMesh] = await Promise.all([
    deriveMeshKey('site-mesh', 'correct horse battery staple'),
    deriveMeshKey('site-mesh', 'a different password'),
    deriveMeshKey('other-mesh', 'correct horse battery staple'),
  ]);
});

function localHello(overrides: Partial<LocalHello> = {}): LocalHello {
  return {
    nodeId: randomUUID(),
    instanceId: randomUUID(),
    host: 'pbx-1.example.lan',
    port: 7222,
    encryption: 'starttls-optional',
    software: 'uc-mesh/0.1.0',
    ...overrides,
  };
}

interface NodeSetup {
  role: Role;
  self?: Partial<LocalHello>;
  /** Defaults to the shared mesh key; `null` for a node without mesh ID and password. */
  key?: MeshKey | null;
  admit?: HandshakeOptions['admit'];
  /** Omitted: a node of a version without clock stamps. */
  clock?: PeerClock;
  tlsRequiredFor?: HandshakeOptions['tlsRequiredFor'];
  versions?: HandshakeOptions['versions'];
}

function handshake({ role, self, key, admit, clock, tlsRequiredFor, versions }: NodeSetup): {
  handshake: Handshake;
  self: LocalHello;
} {
  const hello = localHello(self);
  const options: HandshakeOptions = {
    role,
    self: hello,
    meshKey: key === null ? undefined : (key ?? meshKey),
  };
  if (admit) options.admit = admit;
  if (clock) options.clock = clock;
  if (tlsRequiredFor) options.tlsRequiredFor = tlsRequiredFor;
  if (versions) options.versions = versions;
  return { handshake: new Handshake(options), self: hello };
}

interface PumpOptions {
  /** TLS keying-material exporter each side sees; one value for both = one TLS session. */
  exporters?: { dialer: Buffer; acceptor: Buffer };
  /** A man in the middle: what the other side receives instead of `body`. */
  tamper?: (from: Role, body: Buffer) => Buffer;
  /** Whether each side's TLS check trusted the other's certificate; default both. */
  trusts?: Record<Role, boolean>;
}

interface PumpResult {
  steps: Record<Role, HandshakeStep[]>;
  /** Bodies each side sent, as sent (before any tampering). */
  sent: Record<Role, Buffer[]>;
}

const SHARED_EXPORTER = randomBytes(32);
const other = (role: Role): Role => (role === 'dialer' ? 'acceptor' : 'dialer');

/**
 * Runs both sides against each other in memory until nothing is in flight. The STARTTLS upgrade
 * completes once both sides have asked for it, as it does on one socket.
 */
function pump(dialer: Handshake, acceptor: Handshake, options: PumpOptions = {}): PumpResult {
  const sides: Record<Role, Handshake> = { dialer, acceptor };
  const exporters = options.exporters ?? { dialer: SHARED_EXPORTER, acceptor: SHARED_EXPORTER };
  const result: PumpResult = { steps: { dialer: [], acceptor: [] }, sent: { dialer: [], acceptor: [] } };
  const inFlight: { to: Role; body: Buffer }[] = [];
  const askedForTls = new Set<Role>();
  let tlsUp = false;

  const handle = (role: Role, steps: HandshakeStep[]): void => {
    result.steps[role].push(...steps);
    for (const step of steps) {
      if (step.kind === 'send') {
        result.sent[role].push(step.body);
        inFlight.push({
          to: other(role),
          body: options.tamper ? options.tamper(role, step.body) : step.body,
        });
      } else if (step.kind === 'upgrade-tls') {
        askedForTls.add(role);
      }
    }
    if (!tlsUp && askedForTls.size === 2) {
      tlsUp = true;
      const trusts = options.trusts ?? { dialer: true, acceptor: true };
      handle('acceptor', acceptor.tlsEstablished(exporters.acceptor, trusts.acceptor, 'test CA'));
      handle('dialer', dialer.tlsEstablished(exporters.dialer, trusts.dialer, 'test CA'));
    }
  };

  handle('acceptor', acceptor.start());
  handle('dialer', dialer.start());
  for (let delivered = 0; ; delivered++) {
    const next = inFlight.shift();
    if (!next) break;
    if (delivered > 50) throw new Error('the handshake does not converge');
    handle(next.to, sides[next.to].receive(next.body));
  }
  return result;
}

type Terminal = Extract<HandshakeStep, { kind: 'established' | 'failed' }>;

/** The one established or failed step of a side; fails the test if there is not exactly one. */
function outcome(steps: HandshakeStep[]): Terminal {
  const terminal = steps.filter(
    (step): step is Terminal => step.kind === 'established' || step.kind === 'failed',
  );
  expect(terminal).toHaveLength(1);
  const [only] = terminal;
  if (!only) throw new Error('no outcome');
  return only;
}

function failedStep(steps: HandshakeStep[]): Extract<HandshakeStep, { kind: 'failed' }> {
  const step = outcome(steps);
  if (step.kind !== 'failed') throw new Error(`expected a failure, got ${step.kind} over ${step.transport}`);
  return step;
}

function failure(steps: HandshakeStep[]): { reason: LinkReason; refused: boolean } {
  const step = failedStep(steps);
  return { reason: step.failure.reason, refused: step.refused };
}

function expectNeverEstablished(result: PumpResult): void {
  for (const role of ['dialer', 'acceptor'] as const) {
    expect(result.steps[role].some((step) => step.kind === 'established')).toBe(false);
  }
}

function sends(steps: HandshakeStep[]): Buffer[] {
  return steps.flatMap((step) => (step.kind === 'send' ? [step.body] : []));
}

describe('Handshake between a dialer and an acceptor', () => {
  const combinations = ENCRYPTION_MODES.flatMap((dialer) =>
    ENCRYPTION_MODES.map((acceptor) => [dialer, acceptor] as [EncryptionMode, EncryptionMode]),
  );

  it.each(combinations)(
    'dialer %s, acceptor %s: follows the transport matrix',
    (dialerMode, acceptorMode) => {
      const dialer = handshake({ role: 'dialer', self: { encryption: dialerMode } });
      const acceptor = handshake({
        role: 'acceptor',
        self: { encryption: acceptorMode, host: 'pbx-2', port: 7333 },
      });
      const result = pump(dialer.handshake, acceptor.handshake);

      const verdict = negotiateTransport(dialerMode, acceptorMode);
      if ('transport' in verdict) {
        const atDialer = outcome(result.steps.dialer);
        const atAcceptor = outcome(result.steps.acceptor);
        const trust =
          verdict.transport === 'tls' ? { trust: { peerTrusted: true, trustedByPeer: true } } : {};
        expect(atDialer).toEqual({
          kind: 'established',
          peer: expect.objectContaining(acceptor.self),
          transport: verdict.transport,
          version: PROTOCOL_VERSION,
          clock: undefined,
          ...trust,
          proved: meshKey,
          transcript: expect.any(Buffer),
        });
        expect(atAcceptor).toEqual({
          kind: 'established',
          peer: expect.objectContaining(dialer.self),
          transport: verdict.transport,
          version: PROTOCOL_VERSION,
          clock: undefined,
          ...trust,
          proved: meshKey,
          transcript: expect.any(Buffer),
        });
        const askedForTls = (steps: HandshakeStep[]) => steps.some((step) => step.kind === 'upgrade-tls');
        expect(askedForTls(result.steps.dialer)).toBe(verdict.transport === 'tls');
        expect(askedForTls(result.steps.acceptor)).toBe(verdict.transport === 'tls');
        expect(dialer.handshake.done && acceptor.handshake.done).toBe(true);
      } else {
        expectNeverEstablished(result);
        expect(failure(result.steps.dialer).reason).toBe(verdict.reason);
        expect(failure(result.steps.acceptor).reason).toBe(
          verdict.reason === 'tls-required-local' ? 'tls-required-remote' : 'tls-required-local',
        );
      }
    },
  );

  it('links a node in a password rotation with one not switched yet; each says which key was proved', () => {
    const switched = new Handshake({
      role: 'dialer',
      self: localHello(),
      meshKey: otherPassword,
      previousKey: meshKey,
    });
    const notSwitched = handshake({ role: 'acceptor' });
    const result = pump(switched, notSwitched.handshake);
    // The node not switched verified the proof of its own (current) key; the switched node the
    // proof of its previous one.
    expect(outcome(result.steps.acceptor)).toMatchObject({ kind: 'established', proved: meshKey });
    expect(outcome(result.steps.dialer)).toMatchObject({ kind: 'established', proved: meshKey });

    const forgotten = handshake({ role: 'acceptor', key: otherPassword });
    const refused = pump(handshake({ role: 'dialer' }).handshake, forgotten.handshake);
    expect(failure(refused.steps.acceptor).reason).toBe('password-mismatch');
  });

  it('shows each side the hello the other sent', () => {
    const dialer = handshake({ role: 'dialer', self: { host: 'alpha', port: 1000, software: 'pbx 9' } });
    const acceptor = handshake({ role: 'acceptor', self: { host: 'beta', port: 2000 } });
    const result = pump(dialer.handshake, acceptor.handshake);
    const atAcceptor = outcome(result.steps.acceptor);
    if (atAcceptor.kind !== 'established') throw new Error('not established');
    expect(atAcceptor.peer).toEqual({
      t: 'hello',
      magic: PROTOCOL_MAGIC,
      version: PROTOCOL_VERSIONS.max,
      minVersion: PROTOCOL_VERSIONS.min,
      ...dialer.self,
      nonce: expect.any(Uint8Array),
    });
  });

  it('fails on both sides with password-mismatch when the passwords differ', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor', key: otherPassword });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
    expect(failure(result.steps.dialer).reason).toBe('password-mismatch');
  });

  it('fails on both sides with mesh-id-mismatch when the mesh IDs differ', () => {
    const dialer = handshake({ role: 'dialer', key: otherMesh, self: { encryption: 'none' } });
    const acceptor = handshake({ role: 'acceptor', self: { encryption: 'none' } });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(failure(result.steps.acceptor).reason).toBe('mesh-id-mismatch');
    expect(failure(result.steps.dialer).reason).toBe('mesh-id-mismatch');
  });

  it('sends no proof of its own to a dialer that failed to prove itself', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor', key: otherPassword });
    const result = pump(dialer.handshake, acceptor.handshake);
    const types = result.sent.acceptor.map((body) => (decodeBody(body) as { t: string }).t);
    expect(types).toEqual(['hello', 'error']);
  });

  it("makes the dialer show the acceptor's refusal, and the acceptor report it as a refusal", () => {
    const seen: Hello[] = [];
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({
      role: 'acceptor',
      admit: (peer) => {
        seen.push(peer);
        return new LinkFailure('mesh-disabled-remote', 'the mesh is switched off on pbx-2');
      },
    });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(seen.map((peer) => peer.nodeId)).toEqual([dialer.self.nodeId]);
    expect(failedStep(result.steps.dialer).failure).toMatchObject({
      reason: 'mesh-disabled-remote',
      message: 'the mesh is switched off on pbx-2',
    });
    expect(failure(result.steps.dialer).refused).toBe(false);
    expect(failure(result.steps.acceptor)).toEqual({ reason: 'mesh-disabled-remote', refused: true });
    // Refused after the dialer proved itself, in place of the acceptor's auth: no proof of its own.
    expect(result.sent.acceptor.map((body) => (decodeBody(body) as { t: string }).t)).toEqual([
      'hello',
      'error',
    ]);
    expect(failedStep(result.steps.acceptor).peer?.nodeId).toBe(dialer.self.nodeId);
  });

  it('never asks admission about a dialer that failed to prove the password: it is told password-mismatch', () => {
    const seen: Hello[] = [];
    const dialer = handshake({ role: 'dialer', key: otherPassword });
    const acceptor = handshake({
      role: 'acceptor',
      admit: (peer) => {
        seen.push(peer);
        return new LinkFailure('not-known-remote', 'pbx-2 does not accept nodes it does not know');
      },
    });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(seen).toEqual([]);
    expect(failure(result.steps.dialer)).toEqual({ reason: 'password-mismatch', refused: false });
    // The hello it advertised comes with the failure (unproved, but of this mesh ID).
    expect(failedStep(result.steps.acceptor).peer?.nodeId).toBe(dialer.self.nodeId);
  });

  it('refuses a version-1 dialer after its proofs too, in the error frame every version reads there', () => {
    const seen: Hello[] = [];
    const dialer = handshake({ role: 'dialer', versions: { min: 1, max: 1 } });
    const acceptor = handshake({
      role: 'acceptor',
      admit: (peer) => {
        seen.push(peer);
        return new LinkFailure('disabled-remote', 'the peer has unchecked this node');
      },
    });
    const result = pump(dialer.handshake, acceptor.handshake);
    expect(seen.map((peer) => peer.nodeId)).toEqual([dialer.self.nodeId]);
    expect(failure(result.steps.dialer)).toEqual({ reason: 'disabled-remote', refused: false });
    expect(failure(result.steps.acceptor)).toEqual({ reason: 'disabled-remote', refused: true });
  });

  it('admits the dialer when admit returns undefined', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor', admit: () => undefined });
    const result = pump(dialer.handshake, acceptor.handshake);
    expect(outcome(result.steps.dialer).kind).toBe('established');
    expect(outcome(result.steps.acceptor).kind).toBe('established');
  });

  it('tells the dialer mesh-not-configured-remote when the acceptor has no mesh key', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor', key: null });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(failure(result.steps.dialer).reason).toBe('mesh-not-configured-remote');
    expect(failure(result.steps.acceptor).refused).toBe(true);
  });

  it('fails a dialer without a mesh key at start, before it sends anything', () => {
    const dialer = handshake({ role: 'dialer', key: null });
    const steps = dialer.handshake.start();
    expect(sends(steps)).toEqual([]);
    expect(failure(steps)).toEqual({ reason: 'mesh-not-configured-local', refused: false });
    expect(dialer.handshake.done).toBe(true);
  });

  it('fails both sides with self when a node reaches itself', () => {
    const nodeId = randomUUID();
    const dialer = handshake({ role: 'dialer', self: { nodeId } });
    const acceptor = handshake({ role: 'acceptor', self: { nodeId } });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(failure(result.steps.dialer).reason).toBe('self');
    expect(failure(result.steps.acceptor).reason).toBe('self');
  });

  it('fails a TLS handshake relayed through two TLS sessions (different exporters)', () => {
    const dialer = handshake({ role: 'dialer', self: { encryption: 'starttls-required' } });
    const acceptor = handshake({ role: 'acceptor', self: { encryption: 'starttls-required' } });
    const result = pump(dialer.handshake, acceptor.handshake, {
      exporters: { dialer: randomBytes(32), acceptor: randomBytes(32) },
    });
    expectNeverEstablished(result);
    // Both nodes share mesh ID and password: the relay must not look like another mesh.
    expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
    expect(failure(result.steps.dialer).reason).toBe('password-mismatch');
  });

  it.each<[string, EncryptionMode, EncryptionMode, EncryptionMode]>([
    // [case, dialer's setting, acceptor's setting, what the man in the middle claims for the dialer]
    ['TCP: claims encryption none', 'starttls-optional', 'none', 'none'],
    ['TCP: claims starttls-optional', 'none', 'none', 'starttls-optional'],
    [
      'TLS: downgrades starttls-required to optional',
      'starttls-required',
      'starttls-optional',
      'starttls-optional',
    ],
  ])(
    "fails authentication when a man in the middle alters the dialer's hello (%s)",
    (_case, dialerMode, acceptorMode, claimed) => {
      const dialer = handshake({ role: 'dialer', self: { encryption: dialerMode } });
      const acceptor = handshake({ role: 'acceptor', self: { encryption: acceptorMode } });
      const result = pump(dialer.handshake, acceptor.handshake, {
        tamper: (from, body) => {
          const message = decodeBody(body) as Record<string, unknown>;
          if (from !== 'dialer' || message.t !== 'hello') return body;
          return encodeBody({ ...message, encryption: claimed });
        },
      });
      expectNeverEstablished(result);
      // As for the relay: a tampered connection within one mesh is not reported as another mesh.
      expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
      expect(failure(result.steps.dialer).reason).toBe('password-mismatch');
    },
  );

  it("fails a replay of an earlier handshake's dialer frames to a new acceptor", () => {
    const first = pump(handshake({ role: 'dialer' }).handshake, handshake({ role: 'acceptor' }).handshake);
    expect(outcome(first.steps.acceptor).kind).toBe('established');
    const [oldHello, oldAuth] = first.sent.dialer;
    if (!oldHello || !oldAuth) throw new Error('the first handshake sent no hello and auth');

    // Same settings, same exporter as before; only the new acceptor's nonce differs.
    const acceptor = handshake({ role: 'acceptor' }).handshake;
    expect(acceptor.start()).toEqual([]);
    const steps = acceptor.receive(oldHello);
    expect(steps.map((step) => step.kind)).toEqual(['send', 'upgrade-tls']);
    steps.push(...acceptor.tlsEstablished(SHARED_EXPORTER), ...acceptor.receive(oldAuth));

    expect(steps.some((step) => step.kind === 'established')).toBe(false);
    expect(['mesh-id-mismatch', 'password-mismatch']).toContain(failure(steps).reason);
    const answers = sends(steps).map((body) => decodeBody(body) as { t: string });
    expect(answers.map((answer) => answer.t)).toEqual(['hello', 'error']);
  });

  it("fails a replay of an earlier handshake's acceptor frames to a new dialer", () => {
    const dialerSetup = { role: 'dialer', self: { encryption: 'none' } } as const;
    const acceptorSetup = { role: 'acceptor', self: { encryption: 'none' } } as const;
    const first = pump(handshake(dialerSetup).handshake, handshake(acceptorSetup).handshake);
    const [oldHello, oldAuth] = first.sent.acceptor;
    if (!oldHello || !oldAuth) throw new Error('the first handshake sent no hello and auth');

    const dialer = handshake(dialerSetup).handshake;
    const steps = [...dialer.start(), ...dialer.receive(oldHello), ...dialer.receive(oldAuth)];
    expect(steps.some((step) => step.kind === 'established')).toBe(false);
    expect(['mesh-id-mismatch', 'password-mismatch']).toContain(failure(steps).reason);
  });

  it('ignores frames after the handshake is over', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor' });
    const result = pump(dialer.handshake, acceptor.handshake);
    for (const body of [...result.sent.dialer, ...result.sent.acceptor, encodeBody({ t: 'ready' })]) {
      expect(dialer.handshake.receive(body)).toEqual([]);
      expect(acceptor.handshake.receive(body)).toEqual([]);
    }
  });
});

describe('Handshake clocks', () => {
  const NOW = 1_795_000_000_000;
  const TWO_HOURS = 7_200_000;
  /** A wall clock `skewMs` off the true time, which advances 2 ms at every reading. */
  function clocks() {
    let trueTime = NOW;
    return (skewMs: number, maxOffsetMs = 30_000): PeerClock => ({
      now: () => (trueTime += 2) + skewMs,
      maxOffsetMs,
    });
  }
  const types = (bodies: Buffer[]) => bodies.map((body) => (decodeBody(body) as { t: string }).t);

  it.each(['none', 'starttls-optional'] as const)(
    'links peers within the limit (%s) and hands each the measured offset',
    (encryption) => {
      const clock = clocks();
      const dialer = handshake({ role: 'dialer', self: { encryption }, clock: clock(0) });
      const acceptor = handshake({ role: 'acceptor', self: { encryption }, clock: clock(10_000) });
      const result = pump(dialer.handshake, acceptor.handshake);
      const atDialer = outcome(result.steps.dialer);
      const atAcceptor = outcome(result.steps.acceptor);
      if (atDialer.kind !== 'established' || atAcceptor.kind !== 'established') throw new Error('not linked');
      // Each reading moves the true time by 2 ms: the error stays within half the round trip.
      expect(atDialer.clock?.offsetMs).toBeGreaterThanOrEqual(10_000 - 4);
      expect(atDialer.clock?.offsetMs).toBeLessThanOrEqual(10_000 + 4);
      expect(atAcceptor.clock?.offsetMs).toBeGreaterThanOrEqual(-10_000 - 4);
      expect(atAcceptor.clock?.offsetMs).toBeLessThanOrEqual(-10_000 + 4);
      expect(atDialer.clock?.rttMs).toBeGreaterThan(0);
    },
  );

  it('refuses a peer 2 h ahead on both sides with clock-skew, saying by how much', () => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', clock: clock(0) });
    const acceptor = handshake({ role: 'acceptor', clock: clock(TWO_HOURS) });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    // The acceptor measures from the dialer's auth and refuses before proving itself.
    expect(types(result.sent.acceptor)).toEqual(['hello', 'error']);
    const atAcceptor = failedStep(result.steps.acceptor);
    expect(atAcceptor.refused).toBe(true);
    expect(atAcceptor.failure).toMatchObject({
      reason: 'clock-skew',
      message: "the peer's clock is 7200.0 s behind this node's (limit 30 s)",
    });
    expect(atAcceptor.failure.clockOffsetMs).toBeCloseTo(-TWO_HOURS, -1);
    const atDialer = failedStep(result.steps.dialer).failure;
    expect(atDialer).toMatchObject({
      reason: 'clock-skew',
      message: "the peer's clock is 7200.0 s ahead of this node's (the peer's limit 30 s)",
    });
    // The dialer shows its own measurement (from the acceptor's hello), not just the words.
    expect(atDialer.clockOffsetMs).toBeCloseTo(TWO_HOURS, -1);
  });

  it('lets the stricter side refuse: a dialer with the smaller limit refuses after the proofs', () => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', clock: clock(0, 30_000) });
    const acceptor = handshake({ role: 'acceptor', clock: clock(-TWO_HOURS, 3 * TWO_HOURS) });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    expect(types(result.sent.dialer)).toEqual(['hello', 'auth', 'error']);
    expect(failedStep(result.steps.dialer).failure).toMatchObject({
      reason: 'clock-skew',
      message: "the peer's clock is 7200.0 s behind this node's (limit 30 s)",
    });
    const atAcceptor = failedStep(result.steps.acceptor).failure;
    expect(atAcceptor).toMatchObject({
      reason: 'clock-skew',
      message: "the peer's clock is 7200.0 s ahead of this node's (the peer's limit 30 s)",
    });
    expect(atAcceptor.clockOffsetMs).toBeCloseTo(TWO_HOURS, -1);
  });

  it('links a skewed peer when the limit is above the skew', () => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', clock: clock(0, 3 * 3_600_000) });
    const acceptor = handshake({ role: 'acceptor', clock: clock(TWO_HOURS, 3 * 3_600_000) });
    const result = pump(dialer.handshake, acceptor.handshake);
    const atDialer = outcome(result.steps.dialer);
    if (atDialer.kind !== 'established') throw new Error('not linked');
    expect(atDialer.clock?.offsetMs).toBeCloseTo(TWO_HOURS, -1);
    expect(outcome(result.steps.acceptor).kind).toBe('established');
  });

  it("detects a relay that changes an auth's stamps (they follow the transcript; the proof covers them)", () => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', self: { encryption: 'none' }, clock: clock(0) });
    const acceptor = handshake({ role: 'acceptor', self: { encryption: 'none' }, clock: clock(TWO_HOURS) });
    const result = pump(dialer.handshake, acceptor.handshake, {
      tamper: (_from, body) => {
        const message = decodeBody(body) as { t: string; clock?: { transmit: number } };
        if (message.t !== 'auth' || !message.clock) return body;
        // Hides the skew: the acceptor would measure the dialer as 2 h ahead too.
        return encodeBody({
          ...message,
          clock: { ...message.clock, transmit: message.clock.transmit + TWO_HOURS },
        });
      },
    });
    expectNeverEstablished(result);
    expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
  });

  it('reports a wrong password as password-mismatch, not as the skew it also has', () => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', clock: clock(0) });
    const acceptor = handshake({ role: 'acceptor', key: otherPassword, clock: clock(TWO_HOURS) });
    const result = pump(dialer.handshake, acceptor.handshake);
    expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
    expect(failure(result.steps.dialer).reason).toBe('password-mismatch');
  });

  it.each([
    ['an older dialer', 'dialer'],
    ['an older acceptor', 'acceptor'],
  ] as const)('links %s that sends no stamps, however skewed, and measures nothing', (_name, older) => {
    const clock = clocks();
    const dialer = handshake({ role: 'dialer', ...(older !== 'dialer' && { clock: clock(0) }) });
    const acceptor = handshake({
      role: 'acceptor',
      ...(older !== 'acceptor' && { clock: clock(TWO_HOURS) }),
    });
    const result = pump(dialer.handshake, acceptor.handshake);
    for (const role of ['dialer', 'acceptor'] as const) {
      const step = outcome(result.steps[role]);
      expect(step).toMatchObject({ kind: 'established', clock: undefined });
    }
    // A node never sends stamps to a peer whose hello had none: an older parser takes no unknown key.
    if (older === 'dialer') {
      for (const body of result.sent.acceptor) expect(decodeBody(body)).not.toHaveProperty('clock');
    }
  });

  it('refuses malformed stamps in a hello with protocol-error', () => {
    const hello = {
      t: 'hello',
      magic: PROTOCOL_MAGIC,
      version: PROTOCOL_VERSION,
      ...localHello(),
      nonce: Buffer.alloc(32, 1),
    };
    for (const clock of [{ transmit: -1 }, { transmit: 'now' }, { transmit: 1, extra: 2 }, {}]) {
      const fresh = handshake({ role: 'acceptor', clock: clocks()(0) }).handshake;
      fresh.start();
      expect(failure(fresh.receive(encodeBody({ ...hello, clock }))).reason).toBe('protocol-error');
    }
  });
});

describe('Handshake on bad input', () => {
  const validHello = {
    t: 'hello',
    magic: PROTOCOL_MAGIC,
    version: PROTOCOL_VERSION,
    ...localHello(),
    nonce: Buffer.alloc(32, 1),
  };

  function startedAcceptor(): Handshake {
    const acceptor = handshake({ role: 'acceptor' }).handshake;
    acceptor.start();
    return acceptor;
  }

  function startedDialer(): Handshake {
    const dialer = handshake({ role: 'dialer' }).handshake;
    dialer.start();
    return dialer;
  }

  it.each<[string, Buffer]>([
    ['garbage bytes', Buffer.from([0xc1, 0xff, 0x00, 0x13])],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: pbx\r\n\r\n')],
    ['an empty body', Buffer.alloc(0)],
    ['a number', encodeBody(42)],
    ['a string', encodeBody('UCMESH')],
    ['an array', encodeBody(['hello', PROTOCOL_MAGIC])],
    ['an auth message', encodeBody({ t: 'auth', idProof: Buffer.alloc(32), proof: Buffer.alloc(32) })],
    ['a ready message', encodeBody({ t: 'ready' })],
    ['an error message', encodeBody({ t: 'error', reason: 'self', message: 'x' })],
    ['a hello without magic', encodeBody({ ...validHello, magic: undefined })],
    ['a hello with a wrong magic', encodeBody({ ...validHello, magic: 'SIP/2.0' })],
    ['a hello-shaped value of another type', encodeBody({ t: 'auth', magic: PROTOCOL_MAGIC })],
    ['a hello with a malformed node ID', encodeBody({ ...validHello, nodeId: 'not-a-uuid' })],
    ['a hello with a short nonce', encodeBody({ ...validHello, nonce: Buffer.alloc(31) })],
    ['a hello with an extra field', encodeBody({ ...validHello, admin: true })],
  ])('fails an acceptor whose first frame is %s with protocol-error, and tells the peer', (_name, body) => {
    const steps = startedAcceptor().receive(body);
    expect(failure(steps)).toEqual({ reason: 'protocol-error', refused: false });
    const [errorFrame, ...more] = sends(steps);
    expect(more).toEqual([]);
    if (!errorFrame) throw new Error('no error frame');
    expect(decodeBody(errorFrame)).toEqual({
      t: 'error',
      reason: 'protocol-error',
      message: expect.any(String),
    });
    expect(steps.map((step) => step.kind)).toEqual(['send', 'failed']);
  });

  it('refuses a hello of a protocol version this node does not speak with version-mismatch, and tells the peer', () => {
    const steps = startedAcceptor().receive(
      encodeBody({ ...validHello, version: PROTOCOL_VERSIONS.max + 1 }),
    );
    expect(failure(steps)).toEqual({ reason: 'version-mismatch', refused: true });
    const [errorFrame] = sends(steps);
    if (!errorFrame) throw new Error('no error frame');
    expect(decodeBody(errorFrame)).toEqual({
      t: 'error',
      reason: 'version-mismatch',
      message: `no common protocol version: this node speaks ${PROTOCOL_VERSIONS.max + 1}, the peer 1–${PROTOCOL_VERSIONS.max}`,
    });
  });

  it.each([['toString'], ['constructor'], ['__proto__'], ['hasOwnProperty'], ['valueOf']])(
    'fails with protocol-error, without throwing, on a message of type %j',
    (type) => {
      // Names inherited from Object.prototype are unknown types, not a way to make receive throw.
      const dialerSteps = startedDialer().receive(encodeBody({ t: type }));
      expect(failure(dialerSteps).reason).toBe('protocol-error');
      const acceptorSteps = startedAcceptor().receive(encodeBody({ t: type, magic: PROTOCOL_MAGIC }));
      expect(failure(acceptorSteps).reason).toBe('protocol-error');
    },
  );

  it("shows a peer's error frame with its reason, and an unknown reason as protocol-error", () => {
    const known = startedDialer().receive(
      encodeBody({ t: 'error', reason: 'rate-limited', message: 'slow down' }),
    );
    expect(known).toEqual([{ kind: 'failed', failure: expect.any(LinkFailure), refused: false }]);
    expect(failure(known).reason).toBe('rate-limited');
    const unknown = startedDialer().receive(encodeBody({ t: 'error', reason: 'made-up', message: 'x' }));
    expect(failure(unknown).reason).toBe('protocol-error');
  });

  it('fails a dialer that receives a second hello while it waits for auth', () => {
    const dialer = handshake({ role: 'dialer', self: { encryption: 'none' } }).handshake;
    dialer.start();
    const helloBody = encodeBody({ ...validHello, encryption: 'none' });
    expect(dialer.receive(helloBody).map((step) => step.kind)).toEqual(['send']);
    expect(failure(dialer.receive(helloBody)).reason).toBe('protocol-error');
  });
});

describe('Handshake properties', () => {
  const uint8 = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
  const field = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.uuid(),
    fc.constantFrom<unknown>(PROTOCOL_MAGIC, ...ENCRYPTION_MODES, 'protocol-error', 'self'),
  );
  const randomMessage = fc
    .tuple(
      // fast-check likes to generate 'valueOf', '__proto__' and the like: inherited names must
      // fail like any other unknown type.
      fc.oneof(fc.constantFrom('hello', 'auth', 'ready', 'error'), fc.string({ maxLength: 10 })),
      fc.dictionary(fc.string({ maxLength: 10 }), field, { maxKeys: 6 }),
      fc.boolean(),
    )
    .map(([t, rest, withMagic]) => ({ ...rest, t, ...(withMagic ? { magic: PROTOCOL_MAGIC } : {}) }));
  const wellFormedMessage = fc.oneof(
    fc.record({
      t: fc.constant('hello'),
      magic: fc.constant(PROTOCOL_MAGIC),
      version: fc.constantFrom(PROTOCOL_VERSION, PROTOCOL_VERSION + 1),
      nodeId: fc.uuid(),
      instanceId: fc.uuid(),
      host: fc.string({ minLength: 1, maxLength: 20 }),
      port: fc.integer({ min: 1, max: 65535 }),
      encryption: fc.constantFrom(...ENCRYPTION_MODES),
      nonce: uint8(32),
      software: fc.string({ maxLength: 20 }),
    }),
    fc.record({ t: fc.constant('auth'), idProof: uint8(32), proof: uint8(32) }),
    fc.constant({ t: 'ready' }),
    fc.record({
      t: fc.constant('error'),
      reason: fc.constantFrom('self', 'password-mismatch', 'unknown-reason'),
      message: fc.string(),
    }),
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    randomMessage.map(encodeBody),
    wellFormedMessage.map(encodeBody),
  );

  function expectSafe(side: Handshake, firstSteps: HandshakeStep[], bodies: Buffer[]): void {
    const steps = [...firstSteps];
    for (const next of bodies) {
      const alreadyDone = side.done;
      const received = side.receive(next);
      if (alreadyDone) expect(received).toEqual([]);
      steps.push(...received);
    }
    expect(steps.filter((step) => step.kind === 'established')).toEqual([]);
    expect(steps.filter((step) => step.kind === 'failed').length).toBeLessThanOrEqual(1);
  }

  it('an acceptor fed arbitrary bodies never throws, never establishes, fails at most once', () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 6 }), (bodies) => {
        const acceptor = handshake({ role: 'acceptor' }).handshake;
        expectSafe(acceptor, acceptor.start(), bodies);
      }),
      { numRuns: 2000 },
    );
  });

  it('a started dialer fed arbitrary bodies never throws, never establishes, fails at most once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ENCRYPTION_MODES),
        fc.array(body, { minLength: 1, maxLength: 6 }),
        (mode, bodies) => {
          const dialer = handshake({ role: 'dialer', self: { encryption: mode } }).handshake;
          expectSafe(dialer, dialer.start(), bodies);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an acceptor fed a well-formed hello, then arbitrary messages, never establishes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ENCRYPTION_MODES),
        fc.constantFrom(...ENCRYPTION_MODES),
        fc.array(fc.oneof(wellFormedMessage, randomMessage).map(encodeBody), { maxLength: 5 }),
        (ownMode, peerMode, bodies) => {
          const acceptor = handshake({ role: 'acceptor', self: { encryption: ownMode } }).handshake;
          const first = [
            ...acceptor.start(),
            ...acceptor.receive(encodeBody({ ...freshHello(), encryption: peerMode })),
          ];
          // Go past STARTTLS too, so the messages reach the auth stage.
          if (first.some((step) => step.kind === 'upgrade-tls'))
            first.push(...acceptor.tlsEstablished(randomBytes(32)));
          expectSafe(acceptor, first, bodies);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

function freshHello(): Record<string, unknown> {
  return {
    t: 'hello',
    magic: PROTOCOL_MAGIC,
    version: PROTOCOL_VERSION,
    ...localHello(),
    nonce: randomBytes(32),
  };
}

describe('Handshake: certificates one side does not trust', () => {
  const TLS_MODES: EncryptionMode[] = ['starttls-optional', 'starttls-required'];
  const cells = TLS_MODES.flatMap((dialer) =>
    TLS_MODES.flatMap((acceptor) =>
      (['dialer', 'acceptor', 'both'] as const).map(
        (distrusting) => [dialer, acceptor, distrusting] as const,
      ),
    ),
  );

  it.each(cells)('dialer %s × acceptor %s, distrusted by %s', (dialerMode, acceptorMode, distrusting) => {
    const dialer = handshake({ role: 'dialer', self: { encryption: dialerMode } });
    const acceptor = handshake({ role: 'acceptor', self: { encryption: acceptorMode } });
    const trusts = { dialer: distrusting === 'acceptor', acceptor: distrusting === 'dialer' };
    const result = pump(dialer.handshake, acceptor.handshake, { trusts });
    const required = dialerMode === 'starttls-required' || acceptorMode === 'starttls-required';
    if (required) {
      expectNeverEstablished(result);
      expect(failure(result.steps.dialer).reason).toBe('certificate-untrusted');
      expect(failure(result.steps.acceptor).reason).toBe('certificate-untrusted');
      return;
    }
    // Both optional: TLS still, each side knowing both verdicts.
    expect(outcome(result.steps.dialer)).toMatchObject({
      kind: 'established',
      transport: 'tls',
      trust: { peerTrusted: trusts.dialer, trustedByPeer: trusts.acceptor },
    });
    expect(outcome(result.steps.acceptor)).toMatchObject({
      kind: 'established',
      transport: 'tls',
      trust: { peerTrusted: trusts.acceptor, trustedByPeer: trusts.dialer },
    });
  });

  it('the verdict is covered by the password proof: a relay that flips it fails the link', () => {
    const dialer = handshake({ role: 'dialer' });
    const acceptor = handshake({ role: 'acceptor' });
    const result = pump(dialer.handshake, acceptor.handshake, {
      trusts: { dialer: false, acceptor: true },
      tamper: (_from, body) => {
        const message = decodeBody(body) as Record<string, unknown>;
        return message.t === 'auth' ? encodeBody({ ...message, trusted: true }) : body;
      },
    });
    expectNeverEstablished(result);
    expect(failure(result.steps.acceptor).reason).toBe('password-mismatch');
  });

  it('the untrusting side tells the other why', () => {
    const dialer = handshake({ role: 'dialer', self: { encryption: 'starttls-required' } });
    const acceptor = handshake({ role: 'acceptor' });
    const result = pump(dialer.handshake, acceptor.handshake, { trusts: { dialer: false, acceptor: true } });
    expect(failedStep(result.steps.dialer).failure.message).toMatch(
      /peer's certificate is not trusted: test CA/,
    );
    expect(failedStep(result.steps.acceptor).failure.message).toMatch(
      /peer does not trust this node's certificate \(test CA\)/,
    );
  });
});

describe('Handshake: a per-node TLS requirement (requireTls)', () => {
  const requires = () => true;

  it.each(['dialer', 'acceptor'] as const)(
    'the %s requiring TLS for the peer refuses a TCP link; the peer sees tls-required-remote',
    (requiring) => {
      const dialer = handshake({
        role: 'dialer',
        self: { encryption: requiring === 'dialer' ? 'starttls-optional' : 'none' },
        ...(requiring === 'dialer' && { tlsRequiredFor: requires }),
      });
      const acceptor = handshake({
        role: 'acceptor',
        self: { encryption: requiring === 'acceptor' ? 'starttls-optional' : 'none' },
        ...(requiring === 'acceptor' && { tlsRequiredFor: requires }),
      });
      const result = pump(dialer.handshake, acceptor.handshake);
      expectNeverEstablished(result);
      const other = requiring === 'dialer' ? 'acceptor' : 'dialer';
      expect(failure(result.steps[requiring]).reason).toBe('tls-required-local');
      expect(failure(result.steps[other]).reason).toBe('tls-required-remote');
    },
  );

  it('asks with the peer hello', () => {
    const asked: Hello[] = [];
    const dialer = handshake({ role: 'dialer', self: { host: 'pbx-7', port: 7444 } });
    const acceptor = handshake({
      role: 'acceptor',
      tlsRequiredFor: (peer) => (asked.push(peer), false),
    });
    pump(dialer.handshake, acceptor.handshake);
    expect(asked).toEqual([
      expect.objectContaining({ nodeId: dialer.self.nodeId, host: 'pbx-7', port: 7444 }),
    ]);
  });

  const cells = (['dialer', 'acceptor'] as const).flatMap((requiring) =>
    (['dialer', 'acceptor'] as const).map((distrusting) => [requiring, distrusting] as const),
  );
  it.each(cells)(
    'the %s requires TLS for the peer, the %s distrusts: certificate-untrusted on both sides',
    (requiring, distrusting) => {
      const dialer = handshake({
        role: 'dialer',
        ...(requiring === 'dialer' && { tlsRequiredFor: requires }),
      });
      const acceptor = handshake({
        role: 'acceptor',
        ...(requiring === 'acceptor' && { tlsRequiredFor: requires }),
      });
      const trusts = { dialer: distrusting !== 'dialer', acceptor: distrusting !== 'acceptor' };
      const result = pump(dialer.handshake, acceptor.handshake, { trusts });
      expectNeverEstablished(result);
      expect(failure(result.steps.dialer).reason).toBe('certificate-untrusted');
      expect(failure(result.steps.acceptor).reason).toBe('certificate-untrusted');
    },
  );

  it('does not stop a peer it is not asked for: other nodes link over TCP', () => {
    const dialer = handshake({ role: 'dialer', self: { encryption: 'none' } });
    const acceptor = handshake({ role: 'acceptor', tlsRequiredFor: () => false });
    const result = pump(dialer.handshake, acceptor.handshake);
    expect(outcome(result.steps.acceptor)).toMatchObject({ kind: 'established', transport: 'tcp' });
  });
});

describe('Handshake: protocol versions', () => {
  it('two ranges that overlap speak the highest common version', () => {
    const dialer = handshake({ role: 'dialer', versions: { min: 1, max: 2 } });
    const acceptor = handshake({ role: 'acceptor', versions: { min: 1, max: 1 } });
    const result = pump(dialer.handshake, acceptor.handshake, { trusts: { dialer: true, acceptor: false } });
    expect(outcome(result.steps.dialer)).toMatchObject({
      kind: 'established',
      version: 1,
      // Version 1 carries no verdict.
      trust: { peerTrusted: true },
    });
    expect(outcome(result.steps.acceptor)).toMatchObject({ kind: 'established', version: 1 });
    for (const body of [...result.sent.dialer, ...result.sent.acceptor]) {
      const message = decodeBody(body) as Record<string, unknown>;
      expect(message).not.toHaveProperty('trusted');
      // The version-1 node's hello is version 1's shape.
      if (message.t === 'hello' && message.nodeId === acceptor.self.nodeId) {
        expect(message).not.toHaveProperty('minVersion');
      }
    }
  });

  it('answers a version-1 hello (no minVersion) in version 1 shape', () => {
    const acceptor = handshake({ role: 'acceptor', self: { encryption: 'none' } }).handshake;
    acceptor.start();
    const steps = acceptor.receive(encodeBody({ ...freshHello(), version: 1, encryption: 'none' }));
    const [answer] = sends(steps);
    if (!answer) throw new Error('no answer');
    expect(decodeBody(answer)).toMatchObject({ t: 'hello', version: 1 });
    expect(decodeBody(answer)).not.toHaveProperty('minVersion');
  });

  it('ranges that do not overlap fail with version-mismatch on both sides, naming both', () => {
    const dialer = handshake({ role: 'dialer', versions: { min: 1, max: 1 } });
    const acceptor = handshake({ role: 'acceptor', versions: { min: 2, max: 2 } });
    const result = pump(dialer.handshake, acceptor.handshake);
    expectNeverEstablished(result);
    const atDialer = failedStep(result.steps.dialer).failure;
    const atAcceptor = failedStep(result.steps.acceptor).failure;
    expect(atDialer.reason).toBe('version-mismatch');
    expect(atAcceptor.reason).toBe('version-mismatch');
    expect(atDialer.message).toBe('no common protocol version: this node speaks 1, the peer 2');
    expect(atAcceptor.message).toBe('no common protocol version: this node speaks 2, the peer 1');
  });

  it('refuses a hello whose minVersion is above its version', () => {
    const acceptor = handshake({ role: 'acceptor' }).handshake;
    acceptor.start();
    const steps = acceptor.receive(encodeBody({ ...freshHello(), version: 1, minVersion: 2 }));
    expect(failure(steps).reason).toBe('protocol-error');
  });
});
