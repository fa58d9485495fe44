import { Injectable } from '@nestjs/common';
import type { Hello } from '../handshake/handshake-messages.js';
import type { LinkFailure } from './link-reason.js';
import { RecentRefusals } from './recent-refusals.js';

/** Decides whether a peer may link, from its hello; a refusal names the reason the peer shows. */
export type AdmissionCheck = (peer: Hello) => LinkFailure | undefined;

/**
 * The stages a peer passes, in order; the first refusal stands. Each part of the mesh registers
 * its own check, so the link layer knows none of them.
 */
export const ADMISSION_STAGE = {
  /** Mesh disabled or unlicensed on this node (`MeshActivation`). */
  activation: 10,
  /** The license's number of links (`ConnectionManager`). */
  capacity: 20,
  /** Unchecked or unknown nodes (`PeerRegistryService`). */
  membership: 30,
  /** Checks of the host application (`LinkService.addAdmissionCheck`). */
  application: 40,
} as const;

/**
 * Runs the admission checks of every stage for a peer that has proved the mesh password, and
 * remembers whom it turned away, so that whoever changes what admits them can dial them back.
 */
@Injectable()
export class AdmissionGate {
  private checks: Array<{ stage: number; check: AdmissionCheck }> = [];
  private readonly refusals = new RecentRefusals();
  private readonly mismatches = new RecentRefusals();

  add(stage: number, check: AdmissionCheck): void {
    // Stable: checks of one stage run in registration order.
    this.checks = [...this.checks, { stage, check }].sort((a, b) => a.stage - b.stage);
  }

  admit(peer: Hello): LinkFailure | undefined {
    const refusal = this.check(peer);
    if (refusal) this.refusals.add(peer);
    return refusal;
  }

  /**
   * The nodes refused lately that would be admitted now, each returned once: whoever changed
   * what admits them dials them at once, so they need not wait out their backoff.
   */
  recallAdmitted(): Hello[] {
    return this.refusals.takeAdmitted((peer) => this.check(peer) === undefined);
  }

  /**
   * A node that dialled in proving this mesh's ID but another password: its hello is kept
   * (bounded like refusals) so that it can be dialled when this node's password changes.
   */
  passwordMismatch(peer: Hello): void {
    this.mismatches.add(peer);
  }

  /**
   * The nodes refused lately for their password that would be admitted now, each returned once:
   * after a password change some may have this node's new password, and one that only ever
   * dialled in (not listed here) would otherwise wait out its backoff.
   */
  recallMismatched(): Hello[] {
    return this.mismatches.takeAdmitted((peer) => this.check(peer) === undefined);
  }

  private check(peer: Hello): LinkFailure | undefined {
    for (const { check } of this.checks) {
      const refusal = check(peer);
      if (refusal) return refusal;
    }
    return undefined;
  }
}
