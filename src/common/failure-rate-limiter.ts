/**
 * Counts failures (handshakes, admin tokens) per remote address in a sliding window; an address over the limit is
 * refused at once until its failures age out. Bounded: the oldest addresses are forgotten first.
 */
export class FailureRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, times);
    if (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  blocked(address: string): boolean {
    return this.recent(address).length >= this.maxFailures;
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.failures.get(address) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}
