#!/usr/bin/env node
// For vendors: make a key pair, and issue license tokens with it.
//   npm run license -- keygen [--out DIR]
//   npm run license -- issue --licensee "ACME GmbH" --connections 16 --days 365 --key DIR/license-private.pem
import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateVendorKeys, issueLicenseToken } from '../mesh/license/license-issuer.js';

const DAY_MS = 86_400_000;
const [command, ...rest] = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`license: ${message}\n`);
  process.exit(2);
}

if (command === 'keygen') {
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string', default: '.' } } });
  const out = values.out;
  const keys = generateVendorKeys();
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'license-private.pem'), keys.privateKey, { mode: 0o600, flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EEXIST' ? `${out}/license-private.pem exists; not overwritten` : error.message),
  );
  await writeFile(join(out, 'license-public.pem'), keys.publicKey, { mode: 0o644 });
  process.stdout.write(
    `wrote ${join(out, 'license-private.pem')} (keep it secret) and ${join(out, 'license-public.pem')} (MESH_LICENSE_PUBLIC_KEY)\n`,
  );
} else if (command === 'issue') {
  const { values } = parseArgs({
    args: rest,
    options: {
      licensee: { type: 'string' },
      connections: { type: 'string' },
      days: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const connections = Number(values.connections);
  const days = Number(values.days);
  if (!values.licensee) fail('--licensee is required');
  if (!Number.isInteger(connections) || connections < 1)
    fail('--connections must be a whole number of at least 1');
  if (!(days > 0)) fail('--days must be a positive number');
  if (!values.key) fail('--key <private key PEM file> is required');
  const privateKey = createPrivateKey(
    await readFile(values.key, 'utf8').catch((error: Error) => fail(error.message)),
  );
  process.stdout.write(
    `${await issueLicenseToken(privateKey, { licensee: values.licensee, connections, validForMs: days * DAY_MS })}\n`,
  );
} else {
  fail(
    'usage: license keygen [--out DIR] | license issue --licensee NAME --connections N --days D --key PRIVATE.pem',
  );
}
