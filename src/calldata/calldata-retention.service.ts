import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CALLDATA_CONFIG, type CallDataConfig } from './calldata-config.js';
import { stampAt } from './clock/hybrid-clock.js';
import { CallDataWriter } from './store/calldata-writer.js';
import { describeError } from '../common/describe-error.js';

/** Calls removed per statement, so a large purge does not hold up replication for long. */
const PURGE_CHUNK = 5000;
/** Chunks per run at most; the rest goes at the next run. */
const MAX_CHUNKS = 200;

/**
 * Removes calls unchanged for the retention time, at start and then at a quarter of it (at most
 * every 10 minutes). Every node applies the same rule to the same stamps, so a call goes everywhere.
 */
@Injectable()
export class CallDataRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CallDataRetention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly writer: CallDataWriter,
    @Inject(CALLDATA_CONFIG) private readonly config: CallDataConfig,
  ) {}

  get retentionMs(): number {
    return this.config.retentionMs;
  }

  onApplicationBootstrap(): void {
    const every = Math.min(Math.max(this.retentionMs / 4, 100), 600_000);
    this.timer = setInterval(() => void this.purgeNow(), every);
    this.timer.unref();
    void this.purgeNow();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Purges now; answers how many calls went. */
  async purgeNow(): Promise<number> {
    if (this.running) return 0;
    let purged = 0;
    const run = async () => {
      const before = stampAt(Date.now() - this.retentionMs);
      for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
        const n = await this.writer.purge(before, PURGE_CHUNK);
        purged += n;
        if (n < PURGE_CHUNK) break;
      }
    };
    this.running = run()
      .catch((error: unknown) => this.logger.error('purging old CallData failed', describeError(error)))
      .finally(() => (this.running = undefined));
    await this.running;
    if (purged > 0) this.logger.log(`purged ${purged} calls unchanged for ${this.retentionMs} ms`);
    return purged;
  }
}
