import { randomBytes, randomUUID } from 'node:crypto';
import { Handshake, type HandshakeStep } from '../../src/mesh/handshake/handshake.js';
import type { MeshKey } from '../../src/mesh/handshake/mesh-key.js';
import type { Role } from '../../src/mesh/handshake/auth-proof.js';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import { SOFTWARE_VERSION } from '../../src/mesh/software-version.js';

/** One frame body on its way, and its place in the exchange (0 = dialer hello, 1 = acceptor hello, …). */
export interface InFlight {
  index: number;
  from: Role;
  body: Buffer;
}

/** Replaces the frame at one place of the exchange with what a man in the middle sends instead. */
export type Tamper = (frame: InFlight) => Buffer[];

type Failed = Extract<HandshakeStep, { kind: 'failed' }>;

export interface ExchangeResult {
  /** Every frame a side sent, in order, as it left (before any tampering). */
  sent: InFlight[];
  established: Record<Role, boolean>;
  failed: Record<Role, Failed[]>;
  /** The driver closed this side: plaintext frames arrived while it waited for TLS. */
  driverFailed: Record<Role, boolean>;
}

/** At most this many frames change hands: a genuine exchange has 5, tampering adds a few. */
const MAX_FRAMES = 32;

/**
 * Runs a real dialer and a real acceptor against each other in memory, as the handshake driver
 * would over one socket: frames in order, the STARTTLS upgrade when both asked for it (with the
 * same exporter on both sides, as one TLS session gives, unless `exporters` says otherwise).
 * `tamper` sees every frame and returns what arrives instead.
 */
export function exchange(options: {
  keys: Record<Role, MeshKey>;
  modes: Record<Role, EncryptionMode>;
  tamper?: Tamper;
  exporters?: Record<Role, Buffer>;
}): ExchangeResult {
  const sides: Record<Role, Handshake> = {
    dialer: newSide('dialer', options.keys.dialer, options.modes.dialer),
    acceptor: newSide('acceptor', options.keys.acceptor, options.modes.acceptor),
  };
  const shared = randomBytes(32);
  const exporters = options.exporters ?? { dialer: shared, acceptor: shared };
  const result: ExchangeResult = {
    sent: [],
    established: { dialer: false, acceptor: false },
    failed: { dialer: [], acceptor: [] },
    driverFailed: { dialer: false, acceptor: false },
  };
  const queue: Array<{ to: Role; body: Buffer }> = [];
  const upgrading = new Set<Role>();
  const upgraded = new Set<Role>();

  const take = (role: Role, steps: HandshakeStep[]) => {
    for (const step of steps) {
      if (step.kind === 'send') {
        const frame: InFlight = { index: result.sent.length, from: role, body: step.body };
        result.sent.push(frame);
        const arriving = options.tamper ? options.tamper(frame) : [step.body];
        for (const body of arriving) queue.push({ to: other(role), body });
      } else if (step.kind === 'upgrade-tls') {
        upgrading.add(role);
      } else if (step.kind === 'established') {
        result.established[role] = true;
      } else {
        result.failed[role].push(step);
      }
    }
  };

  take('acceptor', sides.acceptor.start());
  take('dialer', sides.dialer.start());
  for (let delivered = 0; delivered < MAX_FRAMES; delivered++) {
    // TLS comes up once both sides asked for it; each side learns the exporter of its session.
    const failedSide = (role: Role) => result.failed[role].length > 0 || result.driverFailed[role];
    if (upgrading.size === 2 && upgraded.size === 0 && !failedSide('dialer') && !failedSide('acceptor')) {
      for (const role of ['acceptor', 'dialer'] as const) {
        upgraded.add(role);
        take(role, sides[role].tlsEstablished(exporters[role]));
      }
    }
    const next = queue.shift();
    if (!next) break;
    if (result.driverFailed[next.to]) continue;
    // A side waiting for TLS reads no more frames: the driver fails plaintext there (see upgrade()).
    if (upgrading.has(next.to) && !upgraded.has(next.to)) {
      result.driverFailed[next.to] = true;
      continue;
    }
    take(next.to, sides[next.to].receive(next.body));
  }
  return result;
}

function newSide(role: Role, key: MeshKey, encryption: EncryptionMode): Handshake {
  return new Handshake({
    role,
    meshKey: key,
    self: {
      nodeId: randomUUID(),
      instanceId: randomUUID(),
      host: `${role}.mesh.test`,
      port: role === 'dialer' ? 7301 : 7302,
      encryption,
      software: SOFTWARE_VERSION,
    },
    // Stamps in hellos and auths, as every node sends them: the fuzz rewrites them too.
    clock: { now: Date.now, maxOffsetMs: 30_000 },
  });
}

function other(role: Role): Role {
  return role === 'dialer' ? 'acceptor' : 'dialer';
}
