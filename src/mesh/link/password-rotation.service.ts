import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { MeshMessageContext } from './on-mesh-message.decorator.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { type KeyRing, reproof, verifyReproof } from '../handshake/key-ring.js';
import { MeshSettingsService } from '../settings/mesh-settings.service.js';
import { rotationComplete, rotationProgress, type RotationProgress } from '../settings/password-rotation.js';
import { ConnectionManager } from './connection-manager.js';
import type { Link } from './link.js';
import { MeshActivation } from './mesh-activation.js';
import { OnMeshEvent } from './on-mesh-message.decorator.js';
import { PeerDialers } from './peer-dialers.js';

/** A message on a link, so older versions (which ignore unknown topics) keep the link. */
export const PASSWORD_PROOF_TOPIC = 'mesh.password.proof';

interface ProofMessage {
  /** `reproof()` of the sender's current key over the link's transcript. */
  proof: Uint8Array;
  /** The sender switched its password and asks for the receiver's proof in return. */
  ask: boolean;
}

/**
 * Password rotation without dropping links. After a password change with a grace period the
 * links stay (`ConnectionManager` closes only those whose peer proved no accepted key) and this
 * node proves its new key over each of them; a peer that knows it records it and answers with its
 * own. Once every node this node links to proved the new password (and none it keeps linked is
 * down), or the grace ends, the previous key is forgotten.
 */
@Injectable()
export class PasswordRotationService implements OnModuleInit {
  private readonly logger = new Logger('PasswordRotation');

  constructor(
    private readonly settings: MeshSettingsService,
    private readonly connections: ConnectionManager,
    private readonly dialers: PeerDialers,
    private readonly activation: MeshActivation,
    private readonly hooks: MeshHooks,
  ) {}

  onModuleInit(): void {
    // After the unaccepted links are closed (10), before the dialers dial (20).
    this.activation.changed.add('PasswordRotation', 15, (change) => {
      if (change.credentialsChanged && !change.previousKeyForgotten && change.active) {
        for (const link of this.connections.links()) this.prove(link, true);
      }
    });
    this.connections.watch({ up: () => this.check(), down: () => this.check() });
    this.hooks.linkStatus.add('PasswordRotation', HOOK_ORDER.features, () => this.check());
  }

  /** How far the rotation is: how many of the linked nodes proved the new password. */
  progress(): RotationProgress {
    const links = this.connections.links().map((link) => this.connections.provedKey(link));
    return rotationProgress(links, this.settings.current);
  }

  /** A peer proves a key over the link: recorded when it is one of this node's keys. */
  @OnMeshEvent(PASSWORD_PROOF_TOPIC)
  onProof(message: unknown, context: MeshMessageContext): void {
    const link = this.connections.get(context.fromNodeId);
    const ring = this.ring();
    if (!link || !ring || !isProofMessage(message)) return;
    const peerRole = link.direction === 'outbound' ? 'acceptor' : 'dialer';
    const proved = verifyReproof(ring, peerRole, link.transcript, message.proof);
    const key = proved === 'current' ? ring.current : proved === 'previous' ? ring.previous : undefined;
    if (key && !link.provenKeys.some((k) => k.equals(key.authKey))) {
      link.provenKeys.push(key.authKey);
      this.logger.log(`node ${link.nodeId} proved the ${proved} password`);
    }
    // A proof this node cannot verify is of a password it does not have yet: the link stays.
    if (message.ask) this.prove(link, false);
    this.check();
  }

  private prove(link: Link, ask: boolean): void {
    const key = this.settings.current.key;
    if (!key) return;
    const role = link.direction === 'outbound' ? 'dialer' : 'acceptor';
    const message: ProofMessage = { proof: reproof(key, role, link.transcript), ask };
    link.send(PASSWORD_PROOF_TOPIC, message).catch(() => undefined);
  }

  /** Ends the rotation early once every linked node is on the new password. */
  private check(): void {
    if (!this.settings.current.previousKey) return;
    if (!rotationComplete(this.progress(), this.dialers.unlinked())) return;
    this.settings.forgetPreviousKey('complete').catch((error: unknown) => {
      this.logger.error(`the previous password could not be forgotten: ${String(error)}`);
    });
  }

  private ring(): KeyRing | undefined {
    const { key, previousKey } = this.settings.current;
    return key ? { current: key, previous: previousKey } : undefined;
  }
}

function isProofMessage(value: unknown): value is ProofMessage {
  const v = value as Partial<ProofMessage> | null;
  return typeof v === 'object' && v !== null && v.proof instanceof Uint8Array && typeof v.ask === 'boolean';
}
