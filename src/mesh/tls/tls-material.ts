import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSelfSignedPair } from './certificate-factory.js';

/** Where the node's TLS certificate comes from; the file options mirror `MESH_TLS_CERT`, `_KEY`, `_CA`. */
export interface TlsMaterialOptions {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  dataDir: string;
  commonName: string;
}

/** PEM texts for `tls.createSecureContext`; `generated` is true only when this call created the pair. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
  generated: boolean;
}

// A start that lost the race for the key file waits this long for the winner to write the certificate.
const RACE_WAIT_MS = 5_000;
const RACE_POLL_MS = 50;

/**
 * Reads the configured certificate and key, or else the pair generated earlier under
 * `<dataDir>/tls`, generating a self-signed one (CN and SAN `commonName`) on the first start.
 */
export async function loadOrCreateTlsMaterial(options: TlsMaterialOptions): Promise<TlsMaterial> {
  const { certFile, keyFile, caFile } = options;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('MESH_TLS_CERT and MESH_TLS_KEY must be set together');
  }
  const pair =
    certFile !== undefined && keyFile !== undefined
      ? {
          cert: await readConfigured('MESH_TLS_CERT', certFile),
          key: await readConfigured('MESH_TLS_KEY', keyFile),
          generated: false,
        }
      : await loadOrCreateGenerated(join(options.dataDir, 'tls'), options.commonName);
  return caFile === undefined ? pair : { ...pair, ca: await readConfigured('MESH_TLS_CA', caFile) };
}

async function readConfigured(variable: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new Error(`${variable} file ${file} cannot be read: ${describe(error)}`, { cause: error });
  }
  if (!text.includes('-----BEGIN ')) throw new Error(`${variable} file ${file} cannot be read: not PEM text`);
  return text;
}

async function loadOrCreateGenerated(dir: string, commonName: string): Promise<TlsMaterial> {
  const certFile = join(dir, 'node-cert.pem');
  const keyFile = join(dir, 'node-key.pem');
  const existing = await readGenerated(certFile, keyFile);
  if (existing) return { ...existing, generated: false };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = await createSelfSignedPair(commonName, { altNames: [commonName] });
  try {
    // The key is written first and exclusively: of two racing starts, only one pair is ever kept.
    await writeFile(keyFile, pair.key, { mode: 0o600, flag: 'wx' });
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ...(await waitForGenerated(certFile, keyFile)), generated: false };
  }
  await writeFile(certFile, pair.cert, { mode: 0o644 });
  return { ...pair, generated: true };
}

async function waitForGenerated(certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  const deadline = Date.now() + RACE_WAIT_MS;
  for (;;) {
    const pair = await readGenerated(certFile, keyFile);
    if (pair) return pair;
    if (Date.now() >= deadline) {
      throw new Error(`${keyFile} exists without a complete ${certFile}; delete it to generate a new pair`);
    }
    await sleep(RACE_POLL_MS);
  }
}

/** The generated pair, or undefined while either file is missing or still being written. */
async function readGenerated(
  certFile: string,
  keyFile: string,
): Promise<{ cert: string; key: string } | undefined> {
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  return cert?.includes('-----END ') && key?.includes('-----END ') ? { cert, key } : undefined;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
