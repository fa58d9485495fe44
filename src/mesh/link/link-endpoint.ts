import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type PeerClock, peerClock } from '../clock/peer-clock.js';
import type { Hello } from '../handshake/handshake-messages.js';
import { Handshake } from '../handshake/handshake.js';
import type { MeshKey } from '../handshake/mesh-key.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { SOFTWARE_VERSION } from '../software-version.js';
import { TlsMaterialService } from '../tls/tls-material.service.js';
import { AdmissionGate } from './admission-gate.js';
import { driveHandshake, type EstablishedConnection, HandshakeFailure } from './handshake-driver.js';
import type { LinkTarget } from './link-status.js';
import { TlsRequirements } from './tls-requirements.js';

/** A connection that passed the handshake, with the mesh key it was authenticated under. */
export interface Authenticated {
  connection: EstablishedConnection;
  /** The key in force when the handshake began (the link itself records which key the peer proved). */
  key: MeshKey | undefined;
}

/**
 * This node's side of every handshake, dialled or accepted: what it says about itself (node and
 * instance ID, advertised host and port, encryption, version), its TLS material and the limits.
 */
@Injectable()
export class LinkEndpoint implements OnModuleInit {
  private readonly logger = new Logger('LinkEndpoint');
  /** New at every start: peers tell a restarted node's link from a stale one by it. */
  readonly instanceId = randomUUID();
  /** The clock peers' clocks are measured against, and the offset refused as `clock-skew`. */
  private readonly clock: PeerClock;
  private boundPort?: number;
  private markReady!: () => void;
  /** Resolves once the advertised port is known (the listener has bound, or the host owns it). */
  readonly ready = new Promise<void>((done) => (this.markReady = done));

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly identity: NodeIdentityService,
    private readonly settings: MeshSettingsService,
    private readonly gate: AdmissionGate,
    private readonly tlsMaterial: TlsMaterialService,
    private readonly tlsRequirements: TlsRequirements,
  ) {
    this.clock = peerClock(config);
  }

  async onModuleInit(): Promise<void> {
    const material = await this.tlsMaterial.start();
    if (material?.generated) this.logger.log('generated a self-signed TLS certificate');
  }

  /** The port peers dial: the bound one when configured as 0. */
  get port(): number {
    return this.boundPort ?? this.config.port;
  }

  /** Called once the port peers dial is known (and so the hello is complete). */
  listening(boundPort?: number): void {
    this.boundPort = boundPort;
    this.markReady();
  }

  /**
   * Runs the handshake over a connected socket; rejects with a HandshakeFailure. `dialled`: the
   * address a dialer dialled, by which a fixed node's TLS requirement is found before its ID is.
   */
  async handshake(socket: Socket, role: 'dialer' | 'acceptor', dialled?: LinkTarget): Promise<Authenticated> {
    const { key, previousKey } = this.settings.current;
    const handshake = new Handshake({
      role,
      self: {
        nodeId: this.identity.nodeId,
        instanceId: this.instanceId,
        host: this.config.host,
        port: this.port,
        encryption: this.config.encryption,
        software: SOFTWARE_VERSION,
      },
      meshKey: key,
      previousKey,
      admit: role === 'acceptor' ? (peer: Hello) => this.gate.admit(peer) : undefined,
      clock: this.clock,
      tlsRequiredFor: ({ nodeId, host, port }: Hello) =>
        this.tlsRequirements.requiredFor({ nodeId, host, port, dialled }),
      versions: this.config.protocolVersions,
    });
    const connection = await driveHandshake(socket, {
      role,
      handshake,
      // The material in force now: a replacement applies to handshakes that begin after it.
      tls: this.config.encryption === 'none' ? undefined : this.tlsMaterial.settings,
      maxFrameBytes: this.config.maxFrameBytes,
      timeoutMs: this.config.handshakeTimeoutMs,
    }).catch((error: unknown) => {
      if (role === 'acceptor') this.rememberMismatch(error);
      throw error;
    });
    return { connection, key };
  }

  /**
   * A node that dialled in with another password may have this node's next one: the gate keeps
   * its advertised address. One this node dials is listed and redialled anyway.
   */
  private rememberMismatch(error: unknown): void {
    if (error instanceof HandshakeFailure && error.reason === 'password-mismatch' && error.peer)
      this.gate.passwordMismatch(error.peer);
  }
}
