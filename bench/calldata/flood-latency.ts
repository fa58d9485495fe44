// Local `set` latency on a node while a peer floods it with 40 000 changes × 64 removed fields
// (issue 15, case 5): `tsc -p bench/tsconfig.json && node .build/bench/bench/calldata/flood-latency.js [changes]`.
// Prints one JSON line: local set p50/p99/max in ms, and how long the flood took to apply.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// As bench/run.ts does: the product reads its version from ../../package.json of its modules.
const build = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const project = JSON.parse(await readFile(join(build, '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};
await writeFile(
  join(build, 'package.json'),
  `${JSON.stringify({ name: 'uc-mesh-bench-build', private: true, type: 'module', version: project.version }, null, 2)}\n`,
);
await import('./flood-latency-run.js');
