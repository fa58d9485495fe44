import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecureContext } from 'node:tls';
import { KeyFileError } from '../../common/key-file.error.js';
import { createSelfSignedPair } from './certificate-factory.js';
import { errorMessage } from '../../common/describe-error.js';

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
  let pair: TlsMaterial;
  if (certFile !== undefined && keyFile !== undefined) {
    pair = {
      cert: await readConfigured('MESH_TLS_CERT', certFile),
      key: await readConfigured('MESH_TLS_KEY', keyFile),
      generated: false,
    };
    checkPair(pair, {
      cert: `MESH_TLS_CERT file ${certFile}`,
      key: `MESH_TLS_KEY file ${keyFile}`,
      remedy: 'point MESH_TLS_CERT and MESH_TLS_KEY at a PEM certificate and its own unencrypted private key',
    });
  } else {
    const dir = join(options.dataDir, 'tls');
    pair = await loadOrCreateGenerated(dir, options.commonName);
    checkPair(pair, {
      cert: `TLS certificate file ${join(dir, CERT_FILE)}`,
      key: `TLS key file ${join(dir, KEY_FILE)}`,
      remedy: `delete both files in ${dir} to have a new self-signed pair generated`,
    });
  }
  if (caFile === undefined) return pair;
  const ca = await readConfigured('MESH_TLS_CA', caFile);
  checkCa(`MESH_TLS_CA file ${caFile}`, ca);
  return { ...pair, ca };
}

/**
 * A key OpenSSL can read, a certificate it can read, and the one belonging to the other: else the
 * node would start and fail every TLS handshake, or stop with OpenSSL's words and no file name.
 */
export function checkPair(
  pair: { cert: string; key: string },
  names: { cert: string; key: string; remedy: string },
): void {
  let key: KeyObject;
  try {
    key = createPrivateKey(pair.key);
  } catch (error: unknown) {
    const encrypted = /^-----BEGIN ENCRYPTED |^Proc-Type: 4,ENCRYPTED/m.test(pair.key);
    const problem = encrypted ? 'is encrypted with a passphrase' : `is not a private key (${reason(error)})`;
    throw new KeyFileError(names.key, problem, names.remedy, { cause: error });
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.cert);
  } catch (error: unknown) {
    throw new KeyFileError(names.cert, `is not a certificate (${reason(error)})`, names.remedy, {
      cause: error,
    });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new KeyFileError(names.key, `is not the key of the certificate in the ${names.cert}`, names.remedy);
  }
}

export function checkCa(name: string, ca: string): void {
  try {
    new X509Certificate(ca);
    createSecureContext({ ca });
  } catch (error: unknown) {
    throw new KeyFileError(
      name,
      `is not a certificate (${reason(error)})`,
      "point MESH_TLS_CA at the PEM certificate(s) of the CA that issues the nodes' certificates",
      { cause: error },
    );
  }
}

export async function readConfigured(variable: string, file: string): Promise<string> {
  const name = `${variable} file ${file}`;
  const remedy = `point ${variable} at a readable PEM file`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new KeyFileError(name, `cannot be read: ${describe(error)}`, remedy, { cause: error });
  }
  if (!text.includes('-----BEGIN ')) throw new KeyFileError(name, 'cannot be read: not PEM text', remedy);
  return text;
}

/** OpenSSL's words without its error-code prefix, e.g. `bad base64 decode`. */
function reason(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return String(error);
  return message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '').trim() || message;
}

const CERT_FILE = 'node-cert.pem';
const KEY_FILE = 'node-key.pem';

/** The files the material is read from: the configured ones, else the generated pair's. */
export function tlsMaterialFiles(options: TlsMaterialOptions): {
  certFile: string;
  keyFile: string;
  caFile?: string;
} {
  const dir = join(options.dataDir, 'tls');
  return {
    certFile: options.certFile ?? join(dir, CERT_FILE),
    keyFile: options.keyFile ?? join(dir, KEY_FILE),
    ...(options.caFile !== undefined && { caFile: options.caFile }),
  };
}

async function loadOrCreateGenerated(dir: string, commonName: string): Promise<TlsMaterial> {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  const existing = await readGenerated(certFile, keyFile);
  if (existing) return { ...existing, generated: false };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = await createSelfSignedPair(commonName, { altNames: [commonName] });
  try {
    // The key is written first and exclusively: of two racing starts, only one pair is ever kept.
    await writeFile(keyFile, pair.key, { mode: 0o600, flag: 'wx' });
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ...(await waitForGenerated(dir, certFile, keyFile)), generated: false };
  }
  await writeFile(certFile, pair.cert, { mode: 0o644 });
  return { ...pair, generated: true };
}

async function waitForGenerated(
  dir: string,
  certFile: string,
  keyFile: string,
): Promise<{ cert: string; key: string }> {
  const deadline = Date.now() + RACE_WAIT_MS;
  for (;;) {
    const pair = await readGenerated(certFile, keyFile);
    if (pair) return pair;
    if (Date.now() >= deadline) {
      throw new KeyFileError(
        `TLS key file ${keyFile}`,
        `or the certificate ${certFile} is incomplete`,
        `delete both files in ${dir} to have a new self-signed pair generated`,
      );
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
  return errorMessage(error);
}
