// The TypeORM CLI against ormconfig.ts, on a throw-away embedded PostgreSQL unless DATABASE_URL is
// set. `migration:generate` first applies the existing migrations, so it writes only what is new.
//   npm run typeorm -- migration:generate src/mesh/migrations/MeshIdentity
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../src/database/embedded-database.js';

const cli = join('node_modules', 'typeorm', 'cli.js');
const dataSource = join('.build', 'ormconfig.js');
const [command = 'help', ...rest] = process.argv.slice(2);

const scratch = process.env.DATABASE_URL ? undefined : await mkdtemp(join(tmpdir(), 'ucmesh-cli-'));
const database = scratch ? await EmbeddedDatabase.start({ dataDir: scratch }) : undefined;
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? database?.url };
const run = (args: string[]): number =>
  spawnSync(process.execPath, [cli, ...args, '-d', dataSource], { env, stdio: 'inherit' }).status ?? 1;

let status = command === 'migration:generate' ? run(['migration:run']) : 0;
if (status === 0) status = run([command, ...rest]);
await database?.stop();
if (scratch) await rm(scratch, { recursive: true, force: true });
process.exit(status);
