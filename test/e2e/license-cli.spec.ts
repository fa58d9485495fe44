import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parsePublicKey, verifyLicenseToken } from '../../src/mesh/license/license-token.js';
import { tempDataDir } from '../helpers/node-process.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'license.js');

describe('npm run license (vendor CLI)', () => {
  it('makes a key pair and issues a token that verifies against the public key', async () => {
    const dir = await tempDataDir();
    await run(process.execPath, [CLI, 'keygen', '--out', dir]);
    expect((await stat(join(dir, 'license-private.pem'))).mode & 0o777).toBe(0o600);
    const { stdout } = await run(process.execPath, [
      CLI,
      ...['issue', '--licensee', 'ACME GmbH', '--connections', '16', '--days', '365'],
      ...['--key', join(dir, 'license-private.pem')],
    ]);
    const publicKey = parsePublicKey(await readFile(join(dir, 'license-public.pem'), 'utf8'));
    const grant = await verifyLicenseToken(stdout.trim(), publicKey);
    expect(grant).toMatchObject({ licensee: 'ACME GmbH', connections: 16 });
  });

  it('never overwrites a private key, and says what is wrong with bad arguments', async () => {
    const dir = await tempDataDir();
    await run(process.execPath, [CLI, 'keygen', '--out', dir]);
    await expect(run(process.execPath, [CLI, 'keygen', '--out', dir])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('exists; not overwritten'),
    });
    await expect(
      run(process.execPath, [CLI, 'issue', '--licensee', 'x', '--connections', '0']),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--connections must be a whole number'),
    });
  });
});
