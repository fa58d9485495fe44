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

/** Runs the admission checks of every stage for a peer that has proved the mesh password. */
@Injectable()
export class AdmissionGate {
  private checks: Array<{ stage: number; check: AdmissionCheck }> = [];
  private readonly refusals = new RecentRefusals();

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

  private check(peer: Hello): LinkFailure | undefined {
    for (const { check } of this.checks) {
      const refusal = check(peer);
      if (refusal) return refusal;
    }
    return undefined;
  }
}
