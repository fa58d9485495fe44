/**
 * Delays between dial attempts: exponential from `minMs` to `maxMs`, each drawn from
 * [delay/2, delay] ("equal jitter") so that nodes restarted together do not redial in lockstep.
 */
export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly minMs = 1000,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
