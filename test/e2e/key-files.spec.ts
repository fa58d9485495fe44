import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSelfSignedPair } from '../../src/mesh/tls/certificate-factory.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { makeTestPki, writePem } from '../helpers/test-pki.js';

const PREFIX = 'uc-mesh: invalid configuration: ';

/** Starts the built node, which must stop at once: its exit code and its stderr lines. */
async function startFails(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const node = NodeProcess.spawn(env);
  const { code } = await node.exit(90_000);
  return { code, lines: node.errorOutput.trim().split('\n') };
}

/** One line on stderr naming the file, what is wrong and what to do; exit code 1. */
function expectOneClearLine(
  result: { code: number | null; lines: string[] },
  file: string,
  problem: string,
  remedy: string,
): void {
  expect(result.code).toBe(1);
  expect(result.lines).toHaveLength(1);
  const [line = ''] = result.lines;
  expect(line.startsWith(PREFIX)).toBe(true);
  expect(line).toContain(file);
  expect(line).toContain(problem);
  expect(line).toContain(remedy);
}

describe('bad key files stop the node with one clear line naming the file', () => {
  /** A DATA_DIR a node has run in: database cluster, generated TLS pair, generated admin token. */
  let dataDir: string;
  const file = (name: string) => join(dataDir, name);

  /** Runs a failing start with `name` holding `content`, then puts the file back as it was. */
  async function withFile(name: string, content: string, env: Record<string, string> = {}) {
    const original = await readFile(file(name), 'utf8');
    await writeFile(file(name), content);
    try {
      return await startFails({ DATA_DIR: dataDir, ...env });
    } finally {
      await writeFile(file(name), original);
    }
  }

  beforeAll(async () => {
    dataDir = await tempDataDir();
    const node = await NodeProcess.start({ DATA_DIR: dataDir });
    expect((await node.stop()).code).toBe(0);
  });

  afterAll(async () => {
    // The control: with every file back, the same DATA_DIR starts, so each failure above was the file's.
    const node = await NodeProcess.start({ DATA_DIR: dataDir });
    expect((await node.health()).status).toBe(200);
    expect((await node.stop()).code).toBe(0);
  });

  it('an admin-token file shorter than 16 characters', async () => {
    expectOneClearLine(
      await withFile('admin-token', '0123456789abcde\n'),
      file('admin-token'),
      'holds 15 characters, at least 16 are required',
      'write a token of at least 16 characters into it, or delete it',
    );
  });

  it('an empty admin-token file', async () => {
    expectOneClearLine(
      await withFile('admin-token', '\n'),
      file('admin-token'),
      'is empty',
      'or delete it to have one generated',
    );
  });

  it('an admin-token file with a space inside, which no Authorization header can carry', async () => {
    expectOneClearLine(
      await withFile('admin-token', 'two halves of a long token\n'),
      file('admin-token'),
      'holds whitespace',
      'write a token of at least 16 characters into it',
    );
  });

  it('an empty postgres-password file of an existing cluster', async () => {
    expectOneClearLine(
      await withFile('postgres-password', ''),
      file('postgres-password'),
      'is empty',
      `write the password the database cluster in ${file('postgres')} was created with into it`,
    );
  });

  it('a wrong postgres-password for the existing cluster', async () => {
    expectOneClearLine(
      await withFile('postgres-password', 'not-the-password\n'),
      file('postgres-password'),
      `does not open the database cluster in ${file('postgres')}`,
      'was created with into it',
    );
  });

  it('a corrupted generated TLS key', async () => {
    const key = await readFile(file('tls/node-key.pem'), 'utf8');
    const lines = key.split('\n');
    // The PEM frame stays; the base64 inside is no key any more.
    const corrupted = [lines[0], 'bm90IGEga2V5IGF0IGFsbA==', ...lines.slice(-2)].join('\n');
    expectOneClearLine(
      await withFile('tls/node-key.pem', corrupted),
      file('tls/node-key.pem'),
      'is not a private key',
      `delete both files in ${file('tls')} to have a new self-signed pair generated`,
    );
  });

  it('a generated TLS key that is not the certificate’s', async () => {
    const other = await createSelfSignedPair('someone-else');
    expectOneClearLine(
      await withFile('tls/node-key.pem', other.key),
      file('tls/node-key.pem'),
      `is not the key of the certificate in the TLS certificate file ${file('tls/node-cert.pem')}`,
      'to have a new self-signed pair generated',
    );
  });

  it('configured MESH_TLS_CERT and MESH_TLS_KEY that do not belong together', async () => {
    const pki = await makeTestPki();
    const { certFile } = await writePem(dataDir, 'node-a', await pki.issue('node-a'));
    const { keyFile } = await writePem(dataDir, 'node-b', await pki.issue('node-b'));
    expectOneClearLine(
      await startFails({ DATA_DIR: dataDir, MESH_TLS_CERT: certFile, MESH_TLS_KEY: keyFile }),
      `MESH_TLS_KEY file ${keyFile}`,
      `is not the key of the certificate in the MESH_TLS_CERT file ${certFile}`,
      'point MESH_TLS_CERT and MESH_TLS_KEY at a PEM certificate and its own unencrypted private key',
    );
  });

  it('a configured MESH_TLS_KEY that is corrupted', async () => {
    const pki = await makeTestPki();
    const { certFile, keyFile } = await writePem(dataDir, 'node-c', await pki.issue('node-c'));
    const key = await readFile(keyFile, 'utf8');
    await writeFile(keyFile, key.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!'));
    expectOneClearLine(
      await startFails({ DATA_DIR: dataDir, MESH_TLS_CERT: certFile, MESH_TLS_KEY: keyFile }),
      `MESH_TLS_KEY file ${keyFile}`,
      'is not a private key',
      'point MESH_TLS_CERT and MESH_TLS_KEY at',
    );
  });
});

describe('key files of a new DATA_DIR', () => {
  it('an empty postgres-password file before the first start', async () => {
    const dataDir = await tempDataDir();
    await writeFile(join(dataDir, 'postgres-password'), '');
    expectOneClearLine(
      await startFails({ DATA_DIR: dataDir }),
      join(dataDir, 'postgres-password'),
      'is empty',
      'delete it to have one generated',
    );
  });

  it('an empty admin-token file before the first start', async () => {
    const dataDir = await tempDataDir();
    const file = join(dataDir, 'admin-token');
    await writeFile(file, '');
    expectOneClearLine(await startFails({ DATA_DIR: dataDir }), file, 'is empty', 'or delete it');
  });
});
