import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { KeyFileError } from '../../common/key-file.error.js';
import { errorMessage } from '../../common/describe-error.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import { TlsSettings } from '../link/tls-upgrade.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { type CertificateInfo, certificateInfo } from './certificate-info.js';
import { loadOrCreateTlsMaterial, tlsMaterialFiles, type TlsMaterial } from './tls-material.js';
import { checkReplacement, type MaterialNames } from './tls-material-check.js';
import { TlsReplaceError } from './tls-material.error.js';

/** PEM texts of a replacement: `ca` left out keeps the current one. */
export interface TlsReplacement {
  cert: string;
  key: string;
  ca?: string;
}

/** This node's TLS material as the admin API shows it. */
export interface TlsOverview {
  /** False with encryption `none`: no certificate, nothing to replace. */
  enabled: boolean;
  certificate?: CertificateInfo;
  /** The files read at start and watched for changes. */
  files?: { certFile: string; keyFile: string; caFile?: string };
  /** When the material was last replaced while running, and how. */
  reloadedAt?: string;
  reloadedFrom?: 'file' | 'api';
  /** Why the files' current content was not taken (the old material stays), if it was not. */
  lastError?: string;
}

type Files = NonNullable<TlsOverview['files']>;

interface Current {
  material: { cert: string; key: string; ca?: string };
  settings: TlsSettings;
  certificate: CertificateInfo;
  hash: string;
}

const API_NAMES: MaterialNames = {
  cert: 'cert',
  key: 'key',
  ca: 'ca',
  remedy: 'send a PEM certificate (leaf first, then any intermediates) and its own unencrypted private key',
};

/**
 * This node's certificate, key and CA, replaceable while it runs: new links use the material in
 * force when their handshake begins, existing links keep the session they have. The files are
 * checked every `tlsReloadIntervalMs` by size, times and inode (an atomic rename shows too) and,
 * when any changed, by content; `replace` writes new material to the same files. Material that
 * fails the checks (`checkReplacement`) — a half-written file, a key of another certificate — is
 * refused with a clear error and the old material stays.
 */
@Injectable()
export class TlsMaterialService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TlsMaterial');
  private current?: Current;
  private files?: Files;
  private seen = '';
  private timer?: NodeJS.Timeout;
  /** Polls and replacements run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private reloadedAt?: string;
  private reloadedFrom?: 'file' | 'api';
  private lastError?: string;
  private rejectedHash?: string;

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly bus: MeshEventBus,
  ) {}

  /** Loads (or generates) the material and starts watching its files; undefined with encryption `none`. */
  async start(): Promise<TlsMaterial | undefined> {
    if (this.config.encryption === 'none') return undefined;
    const options = { ...this.config.tls, dataDir: this.config.dataDir, commonName: this.config.host };
    const material = await loadOrCreateTlsMaterial(options);
    this.files = tlsMaterialFiles(options);
    this.current = this.prepare(material);
    this.seen = await this.signature(this.files);
    const interval = this.config.tlsReloadIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => void this.serially(() => this.poll()), interval);
      this.timer.unref();
    }
    return material;
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The TLS settings a handshake beginning now uses; undefined with encryption `none`. */
  get settings(): TlsSettings | undefined {
    return this.current?.settings;
  }

  overview(): TlsOverview {
    if (!this.current) return { enabled: false };
    return {
      enabled: true,
      certificate: this.current.certificate,
      files: this.files,
      ...(this.reloadedAt !== undefined && { reloadedAt: this.reloadedAt, reloadedFrom: this.reloadedFrom }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }

  /**
   * Checks new material, writes it to the node's files (so a restart keeps it) and uses it for new
   * links. Nothing changes when it fails.
   * @throws KeyFileError for bad material, TlsReplaceError when encryption is off or a file cannot be written.
   */
  replace(replacement: TlsReplacement): Promise<TlsOverview> {
    return this.serially(async () => {
      const { current, files } = this;
      if (!current || !files) {
        throw new TlsReplaceError(
          'encryption is off on this node (none): there is no TLS material to replace',
        );
      }
      if (replacement.ca !== undefined && files.caFile === undefined) {
        throw new KeyFileError(
          'ca',
          'cannot be set: this node has no CA file (MESH_TLS_CA)',
          'leave ca out, or configure MESH_TLS_CA and restart the node',
        );
      }
      const material = {
        cert: replacement.cert,
        key: replacement.key,
        ...((replacement.ca ?? current.material.ca) !== undefined && {
          ca: replacement.ca ?? current.material.ca,
        }),
      };
      checkReplacement(material, API_NAMES, this.now());
      let next: Current;
      try {
        next = this.prepare(material);
      } catch (error: unknown) {
        throw new KeyFileError('cert', `cannot be used for TLS (${errorMessage(error)})`, API_NAMES.remedy, {
          cause: error,
        });
      }
      await this.write(files, material);
      this.seen = await this.signature(files);
      this.use(next, 'api');
      return this.overview();
    });
  }

  /** Takes the files' content when it changed and passes the checks. */
  private async poll(): Promise<void> {
    const files = this.files;
    if (!files || !this.current) return;
    const seen = await this.signature(files);
    if (seen === this.seen) return;
    this.seen = seen;
    let next: Current;
    try {
      const material = await this.read(files);
      if (hashOf(material) === this.current.hash) return;
      checkReplacement(material, fileNames(files), this.now());
      next = this.prepare(material);
    } catch (error: unknown) {
      return this.refused(error);
    }
    this.use(next, 'file');
  }

  private refused(error: unknown): void {
    const message = errorMessage(error);
    this.lastError = message;
    const hash = createHash('sha256').update(message).digest('hex');
    // Said once per problem, not every interval while the files stay as they are.
    if (hash === this.rejectedHash) return;
    this.rejectedHash = hash;
    this.logger.error(`new TLS material not taken, links keep using the current certificate: ${message}`);
  }

  private prepare(material: { cert: string; key: string; ca?: string }): Current {
    return {
      material,
      settings: new TlsSettings(material),
      certificate: certificateInfo(material.cert),
      hash: hashOf(material),
    };
  }

  private use(next: Current, source: 'file' | 'api'): void {
    this.current = next;
    this.reloadedAt = new Date().toISOString();
    this.reloadedFrom = source;
    this.lastError = undefined;
    this.rejectedHash = undefined;
    const { subject, serialNumber, fingerprint256, validTo } = next.certificate;
    this.logger.log(
      `TLS material reloaded from ${source === 'file' ? 'its files' : 'the admin API'}: certificate ${subject}, serial ${serialNumber}, expires ${validTo}; new links use it, existing links keep theirs until they reconnect`,
    );
    this.bus.emit('mesh.tls.reloaded', {
      source,
      certificate: { subject, serialNumber, fingerprint256, validTo },
    });
  }

  private async read(files: Files): Promise<{ cert: string; key: string; ca?: string }> {
    const names = fileNames(files);
    const [cert, key, ca] = await Promise.all([
      readPem(names.cert, files.certFile),
      readPem(names.key, files.keyFile),
      files.caFile === undefined ? undefined : readPem(names.ca, files.caFile),
    ]);
    return { cert, key, ...(ca !== undefined && { ca }) };
  }

  /** Written beside each file and renamed over it, so a reader never sees half of it. */
  private async write(files: Files, material: { cert: string; key: string; ca?: string }): Promise<void> {
    const writes: Array<[string, string, number]> =
      files.certFile === files.keyFile
        ? [[files.keyFile, `${material.key}${material.cert}`, 0o600]]
        : [
            [files.keyFile, material.key, 0o600],
            [files.certFile, material.cert, 0o644],
          ];
    if (files.caFile !== undefined && material.ca !== undefined)
      writes.push([files.caFile, material.ca, 0o644]);
    for (const [file, text, mode] of writes) {
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, text, { mode, flag: 'wx' });
        await rename(temporary, file);
      } catch (error: unknown) {
        await unlink(temporary).catch(() => undefined);
        throw new TlsReplaceError(
          `cannot write ${file} (${describeCode(error)}); the node keeps its current certificate`,
          { cause: error },
        );
      }
    }
  }

  /** Size, modification and change time and inode of each file: cheap to compare at every interval. */
  private async signature(files: Files): Promise<string> {
    const parts = await Promise.all(
      [files.certFile, files.keyFile, files.caFile].map(async (file) => {
        if (file === undefined) return '-';
        try {
          const s = await stat(file, { bigint: true });
          return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
        } catch (error: unknown) {
          return describeCode(error);
        }
      }),
    );
    return parts.join('|');
  }

  private now(): number {
    return this.config.now?.() ?? Date.now();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch((error: unknown) => {
      // A poll's failures are handled inside; a replacement's go to its caller.
      void error;
    });
    return run;
  }
}

function fileNames(files: Files): MaterialNames {
  return {
    cert: `TLS certificate file ${files.certFile}`,
    key: `TLS key file ${files.keyFile}`,
    ca: `TLS CA file ${files.caFile ?? ''}`,
    remedy:
      'write the certificate and its own unencrypted private key as PEM (to a temporary file, then rename it)',
  };
}

async function readPem(name: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new KeyFileError(name, `cannot be read: ${describeCode(error)}`, 'make it a readable PEM file');
  }
  if (!text.includes('-----BEGIN ')) throw new KeyFileError(name, 'is not PEM text', 'make it a PEM file');
  return text;
}

function hashOf(material: { cert: string; key: string; ca?: string }): string {
  return createHash('sha256')
    .update(material.cert)
    .update('\0')
    .update(material.key)
    .update('\0')
    .update(material.ca ?? '')
    .digest('hex');
}

function describeCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : errorMessage(error);
}
