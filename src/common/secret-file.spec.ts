import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { KeyFileError } from './key-file.error.js';
import { readOrCreateSecret } from './secret-file.js';

describe('readOrCreateSecret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-file-'));
  });

  it('creates the secret once (mode 0600) and reads it back', async () => {
    const path = join(dir, 'sub', 'secret');
    const created = await readOrCreateSecret(path);
    expect(created).toMatch(/^[\w-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readOrCreateSecret(path)).toBe(created);
  });

  it('gives racing starts the same secret', async () => {
    const path = join(dir, 'secret');
    const secrets = await Promise.all(Array.from({ length: 8 }, () => readOrCreateSecret(path)));
    expect(new Set(secrets).size).toBe(1);
    expect((await readFile(path, 'utf8')).trim()).toBe(secrets[0]);
  });

  it('reads an operator-written secret, around whitespace trimmed', async () => {
    const path = join(dir, 'secret');
    await writeFile(path, '  chosen-secret-value \n');
    expect(await readOrCreateSecret(path, { minLength: 13 })).toBe('chosen-secret-value');
  });

  it.each([
    ['empty', '', 'admin token file PATH is empty; do this'],
    ['blank', ' \n\t\n', 'admin token file PATH is empty; do this'],
    ['too short', 'short\n', 'admin token file PATH holds 5 characters, at least 16 are required; do this'],
  ])('names a file that is %s, and leaves it as it was', async (_, content, message) => {
    const path = join(dir, 'admin-token');
    await writeFile(path, content);
    const reading = readOrCreateSecret(path, { label: 'admin token file', minLength: 16, remedy: 'do this' });
    await expect(reading).rejects.toBeInstanceOf(KeyFileError);
    await expect(
      readOrCreateSecret(path, { label: 'admin token file', minLength: 16, remedy: 'do this' }),
    ).rejects.toThrow(message.replace('PATH', path));
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('names a file it cannot read, with the default wording', async () => {
    const path = join(dir, 'secret');
    await mkdir(path);
    await expect(readOrCreateSecret(path)).rejects.toThrow(
      `secret file ${path} cannot be read: EISDIR; delete it to have a new one generated`,
    );
  });
});
