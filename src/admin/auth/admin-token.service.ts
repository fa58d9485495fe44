import { timingSafeEqual, createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { KeyFileError } from '../../common/key-file.error.js';
import { readOrCreateSecret } from '../../common/secret-file.js';
import { ADMIN_MODULE_OPTIONS, type AdminModuleOptions } from '../admin-module.options.js';
import { AdminTokenLockout } from './admin-token-lockout.js';

/** Fewest characters of an admin token, configured or read from its file. */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

/** What a presented token gets: through, a 401, or a 429 while its address is locked out. */
export type AdminTokenVerdict =
  { outcome: 'accepted' } | { outcome: 'wrong' } | { outcome: 'locked-out'; retryAfterMs: number };

/**
 * Holds the admin bearer token and checks presented ones in constant time. Guessing is slowed per
 * client address (`AdminTokenLockout`): different wrong tokens from one address lock it out for a
 * while; the right token from any other address still works.
 */
@Injectable()
export class AdminTokenService implements OnModuleInit {
  private readonly logger = new Logger('AdminToken');
  private digest?: Buffer;
  private current?: string;
  /** The file the token was read from or generated into; undefined when it was configured. */
  tokenFile?: string;
  /** Wrong tokens per client address; its totals feed the metrics. */
  readonly lockout = new AdminTokenLockout();

  constructor(@Inject(ADMIN_MODULE_OPTIONS) private readonly options: AdminModuleOptions) {}

  async onModuleInit(): Promise<void> {
    if (this.options.adminToken !== undefined) {
      if (this.options.adminToken.length < ADMIN_TOKEN_MIN_LENGTH) {
        throw new Error(`adminToken must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters`);
      }
      this.use(this.options.adminToken);
      return;
    }
    const file = join(resolve(this.options.dataDir), 'admin-token');
    const remedy = `write a token of at least ${ADMIN_TOKEN_MIN_LENGTH} characters into it, or delete it to have one generated`;
    const token = await readOrCreateSecret(file, {
      label: 'admin token file',
      minLength: ADMIN_TOKEN_MIN_LENGTH,
      remedy,
    });
    // `Authorization: Bearer <token>` cannot carry one with a space in it.
    if (/\s/.test(token)) throw new KeyFileError(`admin token file ${file}`, 'holds whitespace', remedy);
    this.use(token);
    this.tokenFile = file;
  }

  get token(): string {
    if (this.current === undefined) throw new Error('AdminTokenService is not initialised yet');
    return this.current;
  }

  matches(presented: string): boolean {
    return this.digest !== undefined && timingSafeEqual(sha256(presented), this.digest);
  }

  /**
   * Checks a token presented by `clientAddress` (a key of `clientAddressKey`). A locked-out
   * address is refused without looking at the token, the right one included; a wrong token counts
   * against its address and is logged by its address only.
   */
  verify(presented: string, clientAddress: string): AdminTokenVerdict {
    const retryAfterMs = this.lockout.refusal(clientAddress);
    if (retryAfterMs !== undefined) return { outcome: 'locked-out', retryAfterMs };
    // Comparing digests keeps the comparison constant-time whatever the presented length.
    const digest = sha256(presented);
    if (this.digest !== undefined && timingSafeEqual(digest, this.digest)) return { outcome: 'accepted' };
    const { counted, lockedOut } = this.lockout.wrong(clientAddress, digest.subarray(0, 8).toString('hex'));
    if (lockedOut) {
      const { maxFailures, windowMs } = this.lockout;
      this.logger.warn(
        `${maxFailures} different wrong admin tokens from ${clientAddress} within ${windowMs / 1000} s: ` +
          `its requests to /api are refused (429) for up to ${windowMs / 1000} s`,
      );
    } else if (counted) {
      this.logger.warn(`wrong admin token from ${clientAddress}`);
    }
    return { outcome: 'wrong' };
  }

  private use(token: string): void {
    this.current = token;
    this.digest = sha256(token);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
