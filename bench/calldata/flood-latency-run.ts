// Run by flood-latency.ts (after the build has its package.json): see there.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallDataService } from '../../src/calldata/calldata.service.js';
import { stampAt } from '../../src/calldata/clock/hybrid-clock.js';
import { CallDataWriter } from '../../src/calldata/store/calldata-writer.js';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import { BenchDatabase } from '../common/bench-database.js';
import { summarizeLatencies } from '../common/stats.js';
import { linkTo, startMeshNode } from '../link/mesh-node.js';
import { startCallDataNode } from './calldata-node.js';

const CHANGES = Number(process.argv[2] ?? 40_000);
const FIELDS = 64;
const PER_MESSAGE = 200;
/** Pause between two local sets: a steady trickle of local writes, as a PBX sends them. */
const LOCAL_PAUSE_MS = 10;
const LIMIT_MS = 20 * 60_000;

const workDir = await mkdtemp(join(tmpdir(), 'calldata-flood-'));
// The embedded PostgreSQL runs as another user when this runs as root (as bench/run.ts does).
await chmod(workDir, 0o755);
const database = await BenchDatabase.start(workDir);
try {
  const receiver = await startCallDataNode({
    databaseUrl: await database.create('flood_receiver'),
    dataDir: join(workDir, 'receiver'),
    meshEnabled: true,
  });
  // The flooder is a mesh node without CallData: it sends its "own" changes by hand.
  const flooder = await startMeshNode(
    {
      databaseUrl: await database.create('flood_sender'),
      dataDir: join(workDir, 'sender'),
      encryption: 'none',
    },
    [],
    { mesh: { enabled: true } },
  );
  await linkTo(flooder, receiver.get(LinkService).port);
  const flooderId = flooder.get(NodeIdentityService).nodeId;
  const receiverId = receiver.get(NodeIdentityService).nodeId;
  const writer = receiver.get(CallDataWriter);
  const calldata = receiver.get(CallDataService);
  const removals = Object.fromEntries(Array.from({ length: FIELDS }, (_, i) => [`field-${i}`, null]));

  const started = performance.now();
  const flood = (async () => {
    for (let seq = 1; seq <= CHANGES; seq += PER_MESSAGE) {
      const changes = Array.from({ length: Math.min(PER_MESSAGE, CHANGES - seq + 1) }, (_, i) => [
        flooderId,
        seq + i,
        `flood-${seq + i}`,
        stampAt(Date.now()).toString(),
        removals,
      ]);
      await flooder.get(LinkService).send(receiverId, 'calldata.changes', { changes });
    }
  })();
  const latencies: number[] = [];
  let index = 0;
  while (writer.progress.applied(flooderId) < CHANGES && performance.now() - started < LIMIT_MS) {
    const t = performance.now();
    await calldata.set(`local-${index++}`, { n: String(index) });
    latencies.push((performance.now() - t) * 1000);
    await new Promise((done) => setTimeout(done, LOCAL_PAUSE_MS));
  }
  await flood;
  const applied = writer.progress.applied(flooderId);
  const seconds = (performance.now() - started) / 1000;
  const summary = summarizeLatencies(Float64Array.from(latencies));
  console.log(
    JSON.stringify({
      changes: CHANGES,
      fieldsPerChange: FIELDS,
      applied,
      floodSeconds: Number(seconds.toFixed(1)),
      localSets: latencies.length,
      localSetMs: {
        p50: Number((summary.p50 / 1000).toFixed(1)),
        p99: Number((summary.p99 / 1000).toFixed(1)),
        max: Number((summary.max / 1000).toFixed(1)),
      },
    }),
  );
  await flooder.close();
  await receiver.close();
  if (applied < CHANGES) process.exitCode = 1;
} finally {
  await database.stop();
  await rm(workDir, { recursive: true, force: true });
}
