import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyFileError } from './key-file.error.js';

/** How a secret file is checked and named in errors. */
export interface SecretFileOptions {
  /** The file's name in errors, before its path; default `secret file`. */
  label?: string;
  /** Fewest characters (around whitespace trimmed) a secret found in the file may have; default 1. */
  minLength?: number;
  /** What the operator can do about a bad file; default: delete it to have a new one generated. */
  remedy?: string;
}

// A start that lost the race to create the file waits this long for the winner to fill it.
const RACE_WAIT_MS = 2_000;
const RACE_POLL_MS = 50;

/**
 * Returns the secret stored in `path`, creating it once (32 random bytes, base64url, mode 0600).
 * `wx` makes two racing starts agree on the first one written.
 * @throws KeyFileError naming the file when it cannot be read, is empty or holds too short a secret.
 */
export async function readOrCreateSecret(path: string, options: SecretFileOptions = {}): Promise<string> {
  const existing = await readSecret(path, options);
  if (existing !== undefined) return existing;
  await mkdir(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Another start created it first and may not have written it yet.
  for (let waited = 0; waited < RACE_WAIT_MS; waited += RACE_POLL_MS) {
    if ((await readFile(path, 'utf8').catch(() => '')).trim() !== '') break;
    await sleep(RACE_POLL_MS);
  }
  const raced = await readSecret(path, options);
  if (raced === undefined) throw problem(path, options, 'vanished while it was created');
  return raced;
}

async function readSecret(path: string, options: SecretFileOptions): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw problem(path, options, `cannot be read: ${code ?? String(error)}`, error);
  }
  const secret = text.trim();
  if (secret === '') throw problem(path, options, 'is empty');
  const minLength = options.minLength ?? 1;
  if (secret.length < minLength) {
    throw problem(path, options, `holds ${secret.length} characters, at least ${minLength} are required`);
  }
  return secret;
}

function problem(path: string, options: SecretFileOptions, what: string, cause?: unknown): KeyFileError {
  return new KeyFileError(
    `${options.label ?? 'secret file'} ${path}`,
    what,
    options.remedy ?? 'delete it to have a new one generated',
    cause === undefined ? undefined : { cause },
  );
}
