import { Injectable } from '@nestjs/common';
import type { LinkTarget } from './link-status.js';

/** A peer as the handshake knows it: its hello, and on a dial the address dialled. */
export interface TlsRequirementQuery {
  nodeId: string;
  host: string;
  port: number;
  /** The address this node dialled; undefined on an accepted connection. */
  dialled?: LinkTarget;
}

/** Whether this node requires TLS with trusted certificates for a peer. */
export type TlsRequirementCheck = (peer: TlsRequirementQuery) => boolean;

/**
 * Per-node TLS requirements (a fixed node's `requireTls`), asked by every handshake once the
 * peer's hello is known. The registry registers its check, so the link layer knows no node list.
 */
@Injectable()
export class TlsRequirements {
  private readonly checks: TlsRequirementCheck[] = [];

  add(check: TlsRequirementCheck): void {
    this.checks.push(check);
  }

  /** True when any check requires TLS for the peer. */
  requiredFor(peer: TlsRequirementQuery): boolean {
    return this.checks.some((check) => check(peer));
  }
}
