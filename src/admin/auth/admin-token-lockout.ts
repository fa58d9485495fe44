import { FailureRateLimiter } from '../../common/failure-rate-limiter.js';

/** How admin-token guessing is slowed down; every field has a default. */
export interface AdminTokenLockoutOptions {
  /** Different wrong tokens from one client address within `windowMs` that lock it out; default 10. */
  maxFailures?: number;
  /** How long a wrong token counts against its address, in ms; default 60 000. */
  windowMs?: number;
  /** Addresses remembered (and wrong tokens, for repeats); the least recently failed go first; default 10 000. */
  maxAddresses?: number;
  /** The clock, in ms; default `Date.now`. */
  now?: () => number;
}

/** What a wrong token did to its address. */
export interface WrongToken {
  /** False for a token this address already sent within the window: a stale client, not a guess. */
  counted: boolean;
  /** True when this failure locked the address out. */
  lockedOut: boolean;
}

/**
 * Locks a client address out of the admin API after `maxFailures` different wrong tokens within
 * `windowMs`, until they age out; other addresses are unaffected. A client repeating one stale
 * token is not a guesser and does not lock its address (often the operator's own machine) out.
 * Memory is bounded by `maxAddresses`, reusing the mesh port's `FailureRateLimiter`.
 */
export class AdminTokenLockout {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private readonly limiter: FailureRateLimiter;
  /** `address + token digest` → when it was first counted; oldest first. */
  private readonly seen = new Map<string, number>();
  /** Running totals for the metrics. */
  readonly totals = { wrong: 0, refused: 0, lockouts: 0 };

  constructor(options: AdminTokenLockoutOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
    this.limiter = new FailureRateLimiter(this.maxFailures, this.windowMs, this.maxAddresses, this.now);
  }

  /**
   * While `address` is locked out: how long at most until it may try again, in ms (the window: its
   * failures all age out by then). Undefined when it may present a token. Counts the refusal.
   */
  refusal(address: string): number | undefined {
    if (!this.limiter.blocked(address)) return undefined;
    this.totals.refused++;
    return this.windowMs;
  }

  /** Records a wrong token from an address that is not locked out; `token` is a digest of it. */
  wrong(address: string, token: string): WrongToken {
    this.totals.wrong++;
    const key = `${address} ${token}`;
    const at = this.now();
    const first = this.seen.get(key);
    if (first !== undefined && at - first < this.windowMs) return { counted: false, lockedOut: false };
    this.seen.delete(key);
    this.seen.set(key, at);
    if (this.seen.size > this.maxAddresses) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.limiter.record(address);
    const lockedOut = this.limiter.blocked(address);
    if (lockedOut) this.totals.lockouts++;
    return { counted: true, lockedOut };
  }
}
