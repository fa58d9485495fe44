import type { Hello } from '../handshake/handshake-messages.js';

/** How long a refusal is remembered: the refused node's own backoff is shorter than this. */
export const REFUSAL_MEMORY_MS = 10 * 60_000;
/**
 * Refused nodes remembered at most, the oldest going first. Admission refuses only peers that
 * proved the mesh password; the bound caps what a recall dials all the same (and, for password
 * mismatches, what peers that know only the mesh ID can make this node dial).
 */
export const REFUSAL_MEMORY_SIZE = 64;

/**
 * The nodes this node turned away lately, by node ID, with the hello they sent. When something
 * changes that could admit them (the mesh enabled, unknown nodes accepted, a license installed)
 * they are dialled at once instead of waiting for their next try after a backoff of up to
 * `reconnectMaxMs`.
 */
export class RecentRefusals {
  private readonly refused = new Map<string, { hello: Hello; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  add(hello: Hello): void {
    this.refused.delete(hello.nodeId);
    this.refused.set(hello.nodeId, { hello, at: this.now() });
    while (this.refused.size > REFUSAL_MEMORY_SIZE) {
      const oldest = this.refused.keys().next().value as string;
      this.refused.delete(oldest);
    }
  }

  /** Takes out and returns the refused hellos, newer than the memory time, that `admits` passes. */
  takeAdmitted(admits: (hello: Hello) => boolean): Hello[] {
    const horizon = this.now() - REFUSAL_MEMORY_MS;
    const taken: Hello[] = [];
    for (const [nodeId, { hello, at }] of this.refused) {
      if (at < horizon) this.refused.delete(nodeId);
      else if (admits(hello)) {
        this.refused.delete(nodeId);
        taken.push(hello);
      }
    }
    return taken;
  }
}
