import { timingSafeEqual, createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { readOrCreateSecret } from '../../common/secret-file.js';
import { ADMIN_MODULE_OPTIONS, type AdminModuleOptions } from '../admin-module.options.js';

/** Holds the admin bearer token and checks presented ones in constant time. */
@Injectable()
export class AdminTokenService implements OnModuleInit {
  private digest?: Buffer;
  private current?: string;
  /** The file the token was read from or generated into; undefined when it was configured. */
  tokenFile?: string;

  constructor(@Inject(ADMIN_MODULE_OPTIONS) private readonly options: AdminModuleOptions) {}

  async onModuleInit(): Promise<void> {
    if (this.options.adminToken !== undefined) {
      this.use(this.options.adminToken);
      return;
    }
    const file = join(resolve(this.options.dataDir), 'admin-token');
    this.use(await readOrCreateSecret(file));
    this.tokenFile = file;
  }

  get token(): string {
    if (this.current === undefined) throw new Error('AdminTokenService is not initialised yet');
    return this.current;
  }

  matches(presented: string): boolean {
    // Comparing digests keeps the comparison constant-time whatever the presented length.
    return this.digest !== undefined && timingSafeEqual(sha256(presented), this.digest);
  }

  private use(token: string): void {
    this.current = token;
    this.digest = sha256(token);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
