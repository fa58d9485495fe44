import { randomBytes } from 'node:crypto';
import { ClockExchange } from '../clock/clock-exchange.js';
import type { ClockStamps } from '../clock/clock-sample.js';
import { clockSkewFailure } from '../clock/clock-skew.js';
import type { PeerClock } from '../clock/peer-clock.js';
import type { EncryptionMode } from '../link/encryption-mode.js';
import { asLinkReason, LinkFailure, type LinkReason } from '../link/link-reason.js';
import { decodeBody, encodeBody } from '../wire/body-codec.js';
import { ProtocolError } from '../wire/protocol.error.js';
import { type Nonces, transcriptHash, type Role } from './auth-proof.js';
import {
  type Auth,
  type Hello,
  NONCE_BYTES,
  parseHandshakeMessage,
  PROTOCOL_MAGIC,
  PROTOCOL_VERSIONS,
} from './handshake-messages.js';
import { type KeyRing, ringProofs, verifyRingProofs } from './key-ring.js';
import type { MeshKey } from './mesh-key.js';
import { agreeVersion, helloRange, VERDICT_VERSION, type VersionRange } from './protocol-version.js';
import {
  certificatesAcceptable,
  negotiateTransport,
  tlsRequired,
  type Transport,
} from './transport-negotiation.js';

/** What a node says about itself in its hello. */
export interface LocalHello {
  nodeId: string;
  instanceId: string;
  host: string;
  port: number;
  encryption: EncryptionMode;
  software: string;
}

export interface HandshakeOptions {
  role: Role;
  self: LocalHello;
  /** Undefined while no mesh ID and password are set: this node cannot authenticate. */
  meshKey: MeshKey | undefined;
  /**
   * The key before the last password change, during its grace period: this side also proves
   * itself with it and accepts a peer that proves it (see key-ring.ts). Omitted: none.
   */
  previousKey?: MeshKey;
  /**
   * Acceptor: decides, from the peer's hello, whether to link, once the peer's proofs verified (so
   * only nodes of this mesh are ever refused, or remembered as refused). A refusal carries the
   * reason as the peer shall show it (e.g. `mesh-disabled-remote`) and is sent instead of this
   * node's auth.
   */
  admit?: (peer: Hello) => LinkFailure | undefined;
  /**
   * This node's clock and the peer clock offset it tolerates. Every handshake message after the
   * dialer's hello answers the one before with clock stamps, so each side measures the peer's
   * offset and refuses a peer too far off with `clock-skew` (after its proofs verified). Omitted:
   * no stamps are sent and none are checked, as in versions before clock stamps.
   */
  clock?: PeerClock;
  /**
   * Whether this node requires TLS with trusted certificates for this peer (a fixed node's
   * `requireTls`), asked once the peer's hello is known. Omitted: only the two encryption settings
   * decide.
   */
  tlsRequiredFor?: (peer: Hello) => boolean;
  /** The protocol versions this node speaks. Default `PROTOCOL_VERSIONS`. */
  versions?: VersionRange;
}

/** Each side's verdict on the other's certificate, on a TLS link. */
export interface CertificateTrust {
  /** This node trusts the peer's certificate (it chains to the CA, or no CA is configured). */
  peerTrusted: boolean;
  /** The peer trusts this node's certificate; undefined from a peer of protocol version 1. */
  trustedByPeer?: boolean;
}

/** What the driver must do next, in order. */
export type HandshakeStep =
  | { kind: 'send'; body: Buffer }
  | { kind: 'upgrade-tls' }
  /** `clock` is undefined when either side sends no clock stamps. */
  | {
      kind: 'established';
      peer: Hello;
      transport: Transport;
      clock: ClockExchange | undefined;
      /** The protocol version both speak. */
      version: number;
      /** Set on TLS. */
      trust?: CertificateTrust;
      /** The key of this node's the peer proved: the current one, or the previous during grace. */
      proved: MeshKey;
      /** The sealed transcript, which later re-proofs over the link are bound to. */
      transcript: Buffer;
    }
  /** `peer`: the peer's hello, once received (unproved unless the failure came after its proofs). */
  | { kind: 'failed'; failure: LinkFailure; refused: boolean; peer?: Hello };

type State = 'idle' | 'await-hello' | 'await-tls' | 'await-auth' | 'await-ready' | 'done';

/**
 * The link handshake as a state machine, without sockets:
 *
 *   dialer → hello → acceptor → hello → [both: STARTTLS upgrade of the same socket]
 *   dialer → auth → acceptor (verifies, admits) → auth → dialer (verifies) → ready → acceptor
 *
 * The dialer proves itself first, so a stranger learns no proof of the acceptor's. Proofs are
 * HMACs under the mesh key over the whole transcript (see auth-proof.ts). A side that detects a
 * failure the other cannot see tells it with an error frame, so both show the same reason.
 *
 * With a clock, hellos and auths carry NTP stamps: the dialer's hello its send time, every later
 * one also the previous message's send time echoed and its arrival time. The dialer measures from
 * the acceptor's hello and auth, the acceptor from the dialer's auth. A side stamps only when the
 * peer's hello carried stamps, so a peer of an older version gets none.
 *
 * Hellos name the protocol versions each side speaks; both speak the highest common one (from
 * version 2 on, the auths after TLS carry each side's verdict on the other's certificate). A
 * version-1 peer's hello names one version and is answered in version 1's shape.
 */
export class Handshake {
  private state: State = 'idle';
  private readonly ownNonce: Buffer;
  private dialerHello?: Buffer;
  private acceptorHello?: Buffer;
  private peer?: Hello;
  private transport?: Transport;
  private transcript?: Buffer;
  private nonces?: Nonces;
  private verified = false;
  private proved?: MeshKey;
  /** When the frame being handled arrived, by this node's clock. */
  private arrival = 0;
  private readonly clock?: ClockExchange;
  private readonly versions: VersionRange;
  /** The version both speak, once the peer's hello is known. */
  private version = 1;
  /** Either side's setting or this node's requirement for the peer demands TLS. */
  private required = false;
  private trust?: CertificateTrust;

  constructor(private readonly options: HandshakeOptions) {
    this.ownNonce = randomBytes(NONCE_BYTES);
    if (options.clock) this.clock = new ClockExchange(options.clock);
    this.versions = options.versions ?? PROTOCOL_VERSIONS;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** True once the peer's proofs verified: from then on its frames may be large. */
  get peerVerified(): boolean {
    return this.verified;
  }

  /** The dialer speaks first. */
  start(): HandshakeStep[] {
    this.expect('idle');
    if (this.options.role === 'acceptor') {
      this.state = 'await-hello';
      return [];
    }
    if (this.options.meshKey === undefined) {
      return this.fail('mesh-not-configured-local', 'no mesh ID and password are set on this node', false);
    }
    this.dialerHello = this.helloBody(this.clock !== undefined);
    this.state = 'await-hello';
    return [{ kind: 'send', body: this.dialerHello }];
  }

  /** A frame body from the peer. Protocol violations yield a failed step, never a throw. */
  receive(body: Buffer): HandshakeStep[] {
    if (this.state === 'done') return [];
    this.arrival = this.clock?.settings.now() ?? 0;
    try {
      return this.handle(body);
    } catch (error: unknown) {
      if (error instanceof LinkFailure) return this.fail(error.reason, error.message, true);
      throw error;
    }
  }

  /**
   * The STARTTLS upgrade finished; `exporter` is the TLS keying-material exporter's output,
   * `peerTrusted` this node's verdict on the peer's certificate (`why` not, when false). An
   * untrusted certificate fails the link only where TLS is required.
   */
  tlsEstablished(exporter: Buffer, peerTrusted = true, why = 'not trusted'): HandshakeStep[] {
    this.expect('await-tls');
    this.trust = { peerTrusted };
    if (!certificatesAcceptable(this.required, this.trust)) {
      return this.failBoth(
        new LinkFailure('certificate-untrusted', `the peer's certificate is not trusted: ${why}`),
        `the peer does not trust this node's certificate (${why}) and TLS is required`,
      );
    }
    this.seal(exporter);
    if (this.options.role === 'acceptor') {
      this.state = 'await-auth';
      return [];
    }
    return this.sendAuth('await-auth');
  }

  private handle(body: Buffer): HandshakeStep[] {
    const decoded = decodeBody(body);
    // The acceptor's first frame decides whether this is a mesh peer at all.
    if (this.state === 'await-hello' && this.options.role === 'acceptor' && !isHelloShaped(decoded)) {
      throw new ProtocolError('not a UC Mesh peer: the first frame must be a mesh hello');
    }
    const message = parseHandshakeMessage(decoded);
    if (message.t === 'error') {
      const reason = asLinkReason(message.reason, 'protocol-error');
      // The peer found the skew; this side shows its own measurement with the peer's words.
      const offset = reason === 'clock-skew' ? this.clock?.offsetMs : undefined;
      return this.failWith(new LinkFailure(reason, message.message, offset), false);
    }
    switch (this.state) {
      case 'await-hello':
        if (message.t !== 'hello') throw new ProtocolError(`expected hello, got ${message.t}`);
        return this.onHello(message, body);
      case 'await-auth':
        if (message.t !== 'auth') throw new ProtocolError(`expected auth, got ${message.t}`);
        return this.onAuth(message);
      case 'await-ready':
        if (message.t !== 'ready') throw new ProtocolError(`expected ready, got ${message.t}`);
        this.state = 'done';
        return [this.established()];
      default:
        throw new ProtocolError(`unexpected ${message.t} while ${this.state}`);
    }
  }

  private onHello(hello: Hello, body: Buffer): HandshakeStep[] {
    const { role, self } = this.options;
    const agreed = agreeVersion(this.versions, helloRange(hello));
    if ('reason' in agreed) {
      const failure = new LinkFailure(agreed.reason, agreed.message);
      return role === 'acceptor'
        ? this.refuse(agreed.reason, agreed.peerMessage, failure)
        : this.failBoth(failure, agreed.peerMessage);
    }
    this.version = agreed.version;
    if (hello.nodeId === self.nodeId) {
      return this.fail('self', 'this address is this node itself', role === 'acceptor');
    }
    this.peer = hello;
    this.measure(hello.clock);
    this.nonces =
      role === 'dialer'
        ? { dialer: this.ownNonce, acceptor: hello.nonce }
        : { dialer: hello.nonce, acceptor: this.ownNonce };
    const steps: HandshakeStep[] = [];
    if (role === 'acceptor') {
      this.dialerHello = body;
      if (this.options.meshKey === undefined) {
        return this.refuse('mesh-not-configured-remote', 'the peer has no mesh ID and password set');
      }
    }
    const requiredForPeer = this.options.tlsRequiredFor?.(hello) ?? false;
    this.required = tlsRequired(self.encryption, hello.encryption, requiredForPeer);
    const verdict = negotiateTransport(self.encryption, hello.encryption, requiredForPeer);
    // Only this node knows its requirement for the peer: it tells the peer, before its own hello.
    if ('reason' in verdict && verdict.tellPeer) {
      const failure = new LinkFailure(verdict.reason, verdict.message);
      return this.failWith(failure, true, verdict.tellPeer);
    }
    if (role === 'acceptor') {
      this.acceptorHello = this.helloBody(this.stamping, hello.minVersion === undefined);
      steps.push({ kind: 'send', body: this.acceptorHello });
    } else {
      this.acceptorHello = body;
    }
    // Both sides see both settings, so both reach the same verdict without another message.
    if ('reason' in verdict) return [...steps, ...this.fail(verdict.reason, verdict.message, false)];
    this.transport = verdict.transport;
    if (verdict.transport === 'tls') {
      this.state = 'await-tls';
      return [...steps, { kind: 'upgrade-tls' }];
    }
    this.seal(undefined);
    if (role === 'acceptor') {
      this.state = 'await-auth';
      return steps;
    }
    return this.sendAuth('await-auth');
  }

  private onAuth(auth: Auth): HandshakeStep[] {
    const { role } = this.options;
    const ring = this.ring();
    const peerRole = role === 'dialer' ? 'acceptor' : 'dialer';
    const result = verifyRingProofs(ring, peerRole, this.sealed(), this.sealedNonces(), auth);
    const verdict = result.verdict;
    if (verdict === 'mesh-id-mismatch') {
      return this.fail(verdict, 'the peer belongs to another mesh (mesh ID differs)', true);
    }
    if (verdict === 'password-mismatch') {
      return this.fail(
        verdict,
        'the peer proved another password (or the connection was tampered with)',
        true,
      );
    }
    this.verified = true;
    if (result.verdict === 'ok') this.proved = result.proved === 'current' ? ring.current : ring.previous;
    // Admission only now: a refusal (and its memory for recall) is for nodes of this mesh alone,
    // and a stranger learns nothing of this node's rules. The dialer reads the error frame in
    // place of the acceptor's auth, as it reads a password-mismatch there in every version.
    const refusal = role === 'acceptor' ? this.options.admit?.(this.knownPeer()) : undefined;
    if (refusal) return this.refuse(refusal.reason, refusal.message);
    if (this.trust) {
      if (auth.trusted !== undefined) this.trust.trustedByPeer = auth.trusted;
      if (!certificatesAcceptable(this.required, this.trust)) {
        return this.failBoth(
          new LinkFailure(
            'certificate-untrusted',
            "the peer does not trust this node's certificate, and this node requires TLS for it",
          ),
          "this node does not trust the peer's certificate, and the peer requires TLS for this node",
        );
      }
    }
    // Checked only now: an unauthenticated peer's stamps prove nothing, and a wrong password is
    // the more useful reason to show.
    this.measure(auth.clock);
    const skew = this.clock?.skew();
    if (skew) {
      this.state = 'done';
      return [
        { kind: 'send', body: encodeBody({ t: 'error', reason: 'clock-skew', message: skew.peerMessage }) },
        { kind: 'failed', failure: clockSkewFailure(skew), refused: true, peer: this.knownPeer() },
      ];
    }
    if (role === 'acceptor') return this.sendAuth('await-ready');
    this.state = 'done';
    return [{ kind: 'send', body: encodeBody({ t: 'ready' }) }, this.established()];
  }

  private sendAuth(next: State): HandshakeStep[] {
    this.state = next;
    const clock = this.stamping ? this.clock?.stamps() : undefined;
    // Version 1 has no field for the verdict: its strict parser would refuse one.
    const trusted = this.version >= VERDICT_VERSION ? this.trust?.peerTrusted : undefined;
    const auth = ringProofs(
      this.ring(),
      this.options.role,
      this.sealed(),
      this.sealedNonces(),
      clock,
      trusted,
    );
    return [
      {
        kind: 'send',
        body: encodeBody({
          t: 'auth',
          ...auth,
          ...(clock && { clock }),
          ...(trusted !== undefined && { trusted }),
        }),
      },
    ];
  }

  /**
   * This node's hello, with its clock's stamps when `stamped`. In version 1's shape (one
   * `version`, no `minVersion`, which its strict parser would refuse) when this node speaks only
   * version 1 or answers a version-1 peer (`answeringV1`).
   */
  private helloBody(stamped: boolean, answeringV1 = false): Buffer {
    const v1 = this.versions.max === 1 || answeringV1;
    const hello = {
      t: 'hello',
      magic: PROTOCOL_MAGIC,
      version: answeringV1 ? this.version : this.versions.max,
      ...(!v1 && { minVersion: this.versions.min }),
      ...this.options.self,
      nonce: this.ownNonce,
    };
    return encodeBody(stamped && this.clock ? { ...hello, clock: this.clock.stamps() } : hello);
  }

  /** Both sides stamp: this node has a clock and the peer's hello carried stamps. */
  private get stamping(): boolean {
    return this.clock !== undefined && this.peer?.clock !== undefined;
  }

  private measure(stamps: ClockStamps | undefined): void {
    if (stamps) this.clock?.received(stamps, this.arrival);
  }

  private seal(exporter: Buffer | undefined): void {
    if (!this.dialerHello || !this.acceptorHello || !this.transport)
      throw new Error('handshake sealed too early');
    this.transcript = transcriptHash(this.dialerHello, this.acceptorHello, this.transport, exporter);
  }

  private sealed(): Buffer {
    if (!this.transcript) throw new Error('handshake transcript not sealed');
    return this.transcript;
  }

  private sealedNonces(): Nonces {
    if (!this.nonces) throw new Error('handshake nonces not known yet');
    return this.nonces;
  }

  private ring(): KeyRing {
    if (!this.options.meshKey) throw new Error('no mesh key');
    return { current: this.options.meshKey, previous: this.options.previousKey };
  }

  private knownPeer(): Hello {
    if (!this.peer) throw new Error("the peer's hello is not known yet");
    return this.peer;
  }

  private established(): HandshakeStep {
    if (!this.peer || !this.transport || !this.proved) throw new Error('handshake established too early');
    const clock = this.stamping ? this.clock : undefined;
    const { peer, transport, version, trust } = this;
    return {
      kind: 'established',
      peer,
      transport,
      clock,
      version,
      ...(trust && { trust: { ...trust } }),
      proved: this.proved,
      transcript: this.sealed(),
    };
  }

  /**
   * Acceptor refuses the peer: the peer shows `reason` with `message`; this side reports the
   * refusal (as `failure` when its own words differ).
   */
  private refuse(
    reason: LinkReason,
    message: string,
    failure = new LinkFailure(reason, message),
  ): HandshakeStep[] {
    this.state = 'done';
    return [
      { kind: 'send', body: encodeBody({ t: 'error', reason, message }) },
      { kind: 'failed', failure, refused: true, ...(this.peer && { peer: this.peer }) },
    ];
  }

  /** Both sides show the failure's reason, each in its own words (`peerMessage` the peer's). */
  private failBoth(failure: LinkFailure, peerMessage: string): HandshakeStep[] {
    return this.failWith(failure, true, { reason: failure.reason, message: peerMessage });
  }

  private fail(reason: LinkReason, message: string, tellPeer: boolean): HandshakeStep[] {
    return this.failWith(new LinkFailure(reason, message), tellPeer);
  }

  private failWith(
    failure: LinkFailure,
    tellPeer: boolean,
    told: { reason: LinkReason; message: string } = failure,
  ): HandshakeStep[] {
    this.state = 'done';
    const failed: HandshakeStep = {
      kind: 'failed',
      failure,
      refused: false,
      ...(this.peer && { peer: this.peer }),
    };
    const { reason, message } = told;
    return tellPeer
      ? [{ kind: 'send', body: encodeBody({ t: 'error', reason, message }) }, failed]
      : [failed];
  }

  private expect(state: State): void {
    if (this.state !== state) throw new Error(`handshake is ${this.state}, not ${state}`);
  }
}

function isHelloShaped(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { magic?: unknown }).magic === PROTOCOL_MAGIC
  );
}
