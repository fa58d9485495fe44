import { afterAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallDataModule } from '../../src/calldata/calldata.module.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { allCalls, call, putAcked, untilConnected, untilLinked } from '../helpers/node-api.js';
import { until } from '../helpers/until.js';
import { NodeSet } from './node-set.js';
import { processUsage, trend, type Usage } from './process-usage.js';
import { framesIn, meshTraffic, soakLicense } from './soak-traffic.js';

/** `SOAK_SECONDS=600` (npm run test:soak) for the long run; CI runs the short default. */
const SECONDS = soakSeconds(process.env.SOAK_SECONDS, 60);
const NODES = 3;
/** CallData PUTs per second, round-robin over the nodes. */
const RATE = 20;
/** PUTs in flight at most: a slow node slows the writer down rather than piling requests up. */
const WRITERS = 4;
/** Each call gets this many PUTs, one field each, from consecutive (so different) nodes. */
const FIELDS_PER_CALL = 4;
/**
 * Mesh traffic from a test node to each node, per second: catch-up requests (`calldata.pull`,
 * answers checked) and one-way member lists (`mesh.members`).
 */
const MESH_RATE = { requestsPerSecond: 20, messagesPerSecond: 20 };
const MESH = { MESH_ID: 'soak', MESH_PASSWORD: 'soak-password' };
const SAMPLE_MS = 1000;
/** Pages of the CallData list: room for the longest soak (SOAK_SECONDS=3600 writes 18,000 calls). */
const LIST_PAGES = 1000;
/**
 * Generous: a healthy node's RSS still wanders with GC and caches (seen: +1 to +5 MiB between the
 * thirds in 60 s and in 600 s); a leak grows with the writes, e.g. 4 KiB a PUT is +23 MiB in 600 s.
 */
const RSS_TOLERANCE = { factor: 1.1, bytes: 8 * 1024 * 1024 };
/** While writing, the test's own HTTP keep-alive sockets come and go: up to one per writer. */
const FD_SLACK_WRITING = WRITERS + 2;
/** Idle, before and after: the same descriptors, give or take a socket on its way out. */
const FD_SLACK_IDLE = 2;
/** Node's HTTP server closes an idle keep-alive socket after 5 s. */
const IDLE_MS = 6000;
const CONVERGE_LIMIT_MS = 120_000;
/** The mesh traffic ends by itself after this at the latest (a failure): soak, convergence, margin. */
const TRAFFIC_LIMIT_MS = SECONDS * 1000 + CONVERGE_LIMIT_MS + 120_000;

function soakSeconds(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 30 || seconds > 3600) {
    throw new Error(`SOAK_SECONDS="${value}": must be an integer from 30 to 3600`);
  }
  return seconds;
}

const callId = (i: number) => `soak-${Math.floor(i / FIELDS_PER_CALL)}`;
const field = (i: number) => `f${i % FIELDS_PER_CALL}`;
const value = (i: number) => `v${i}`;

/** The calls of `expected` that `calls` lack or have with other fields, at most a few for the message. */
function mismatches(
  calls: Map<string, { fields: Record<string, string> }>,
  expected: Map<string, Record<string, string>>,
): string[] {
  const wrong: string[] = [];
  for (const [id, fields] of expected) {
    const got = calls.get(id)?.fields;
    if (JSON.stringify(got && Object.entries(got).sort()) !== JSON.stringify(Object.entries(fields).sort())) {
      wrong.push(`${id}: ${JSON.stringify(got)}`);
      if (wrong.length >= 5) break;
    }
  }
  return wrong;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Soak write `i` sets this field of this call, and nothing else does. */
function isWrite(callLinkageId: string, name: string, written: unknown): boolean {
  const i = typeof written === 'string' && /^v\d+$/.test(written) ? Number(written.slice(1)) : -1;
  return i >= 0 && written === value(i) && callLinkageId === callId(i) && name === field(i);
}

const nodes = new NodeSet();
const cluster = meshCluster();
afterAll(async () => {
  await nodes.stopAll();
});

describe(`soak: ${NODES} linked nodes, ${RATE} CallData PUTs/s and ${MESH_RATE.requestsPerSecond} mesh requests + ${MESH_RATE.messagesPerSecond} messages/s to each, for ${SECONDS} s`, () => {
  it(
    'answers every request, converges every write on every node, without memory or descriptor growth, errors or link drops',
    async () => {
      // Each node links to the other nodes and to the test node: more than the evaluation's 2 links.
      const license = await soakLicense(NODES, TRAFFIC_LIMIT_MS + 3_600_000);
      const mesh = await nodes.startMesh(NODES, {
        ...MESH,
        MESH_LICENSE: license.token,
        MESH_LICENSE_PUBLIC_KEY: license.publicKey,
        CALLDATA_SYNC_INTERVAL_MS: '2000',
      });
      // A node of the mesh in this process, as an application embeds it (CallData included, so the
      // nodes' own catch-ups from it get answers), that sends the mesh traffic.
      const tester = await cluster.start(
        {
          meshId: MESH.MESH_ID,
          password: MESH.MESH_PASSWORD,
          encryption: 'starttls-optional',
          license: license.token,
          licensePublicKey: license.publicKey,
        },
        [],
        [CallDataModule.forRoot({ syncIntervalMs: 2000 })],
      );
      // Added to every node's list as an operator would; the nodes dial it (it takes any node of the mesh).
      for (const node of mesh) {
        const added = await call(node, 'POST', '/api/mesh/nodes', tester.target);
        expect(added.status).toBe(201);
      }
      await Promise.all(mesh.map((node) => untilConnected(node, tester.nodeId)));
      const total = RATE * SECONDS;
      await sleep(IDLE_MS);
      const before = await Promise.all(mesh.map((node) => processUsage(node.pid)));
      const linkedLogLength = new Map(mesh.map((node) => [node, node.output.length]));
      const samples: Usage[][] = mesh.map(() => []);
      const testerLinksDown = tester.named('mesh.link.down').length;
      const framesBefore = await Promise.all(mesh.map(framesIn));
      let writing = true;

      const sampler = (async () => {
        for (let k = 0; writing && k < 2 * SECONDS + 60; k++) {
          const usage = await Promise.all(mesh.map((node) => processUsage(node.pid)));
          usage.forEach((one, n) => samples[n]!.push(one));
          await sleep(SAMPLE_MS);
        }
      })();
      const traffic = meshTraffic(
        tester,
        mesh.map((node) => node.nodeId),
        { ...MESH_RATE, limitMs: TRAFFIC_LIMIT_MS, isWrite },
      );
      const startedAt = Date.now();
      let next = 0;
      const writer = async () => {
        while (next < total) {
          const i = next++;
          // A steady rate: each PUT has its slot; a late one goes at once, none is skipped.
          await sleep(Math.max(0, startedAt + (i * 1000) / RATE - Date.now()));
          await putAcked(mesh[i % NODES]!, callId(i), { [field(i)]: value(i) });
        }
      };
      const expected = new Map<string, Record<string, string>>();
      for (let i = 0; i < total; i++)
        expected.set(callId(i), { ...expected.get(callId(i)), [field(i)]: value(i) });
      let writtenAt: number;
      try {
        try {
          await Promise.all(Array.from({ length: WRITERS }, writer));
        } finally {
          writtenAt = Date.now();
          writing = false;
          await sampler;
        }
        await until(
          `all ${total} writes on all ${NODES} nodes`,
          async () => {
            const seen = await Promise.all(mesh.map((node) => allCalls(node, LIST_PAGES)));
            const wrong = seen.map((calls) => mismatches(calls, expected));
            if (wrong.some((list) => list.length > 0)) throw new Error(JSON.stringify(wrong));
            return seen.every((calls) => calls.size === expected.size) ? true : undefined;
          },
          CONVERGE_LIMIT_MS,
        );
        // Still a full mesh: no link fell and came back unnoticed (checked in the logs below too).
        await Promise.all(
          mesh.map((node) =>
            untilLinked(
              node,
              mesh.filter((other) => other !== node),
            ),
          ),
        );
        await Promise.all(mesh.map((node) => untilConnected(node, tester.nodeId)));
      } catch (error: unknown) {
        await traffic.stop();
        throw error;
      }
      // Traffic until here, past the writes and the convergence: then one catch-up more for the rest.
      const streams = await traffic.stop();
      const framesAfter = await Promise.all(mesh.map(framesIn));
      // Idle again: descriptors back where they were before the traffic.
      await sleep(IDLE_MS);
      const after = await Promise.all(mesh.map((node) => processUsage(node.pid)));

      const report: string[] = [];
      const problems: string[] = [];
      mesh.forEach((_, n) => {
        const series = samples[n]!;
        const warmUp = Math.max(10, Math.floor(series.length / 4));
        const rss = trend(
          series.map((sample) => sample.rssBytes),
          warmUp,
        );
        const fds = trend(
          series.map((sample) => sample.fds),
          warmUp,
        );
        const [first, last] = [series[0]!, series.at(-1)!];
        const [idleBefore, idleAfter] = [before[n]!.fds, after[n]!.fds];
        report.push(
          `node ${n + 1}: RSS ${mib(first.rssBytes)} at start, ${mib(rss.first)} → ${mib(rss.last)} ` +
            `(medians of the first/last third after warm-up), ${mib(last.rssBytes)} at the end; ` +
            `FDs ${idleBefore} idle before, ${first.fds} at start, ${fds.first} → ${fds.last}, ` +
            `${last.fds} at the end, ${idleAfter} idle after`,
        );
        if (rss.last > rss.first * RSS_TOLERANCE.factor + RSS_TOLERANCE.bytes) {
          problems.push(`node ${n + 1} RSS grew ${mib(rss.first)} → ${mib(rss.last)}`);
        }
        if (fds.last > fds.first + FD_SLACK_WRITING) {
          problems.push(`node ${n + 1} FDs grew ${fds.first} → ${fds.last}`);
        }
        if (idleAfter > idleBefore + FD_SLACK_IDLE) {
          problems.push(`node ${n + 1} has ${idleAfter} FDs idle after the traffic, ${idleBefore} before`);
        }
      });
      streams.forEach((stream, n) => {
        report.push(
          `node ${n + 1} mesh traffic: ${stream.answered} of ${stream.due.requests} requests answered, ` +
            `${stream.messages} of ${stream.due.messages} messages sent, max latency ${stream.maxLatencyMs} ms, ` +
            `${stream.changes} changes received, ${framesAfter[n]! - framesBefore[n]!} frames in`,
        );
      });
      process.stderr.write(
        `soak ${SECONDS} s, ${total} PUTs, ${samples[0]!.length} samples:\n${report.join('\n')}\n`,
      );
      expect(problems).toEqual([]);
      for (const [n, stream] of streams.entries()) {
        // No request failed, timed out or had a wrong answer, and the traffic did not end at its limit.
        expect(stream.failures).toEqual([]);
        expect(stream.answered).toBeGreaterThan(0);
        expect(stream.messages).toBeGreaterThan(0);
        // Still answering once the writes were done.
        expect(stream.lastAnsweredAt).toBeGreaterThan(writtenAt);
        // The answers, in all, were every write: each node's log serves the changes of all origins.
        expect(mismatches(stream.calls, expected)).toEqual([]);
        expect(stream.calls.size).toBe(expected.size);
        // The node received at least every frame sent to it (besides those of the other nodes).
        expect(framesAfter[n]! - framesBefore[n]!).toBeGreaterThanOrEqual(stream.answered + stream.messages);
      }
      expect(tester.named('mesh.link.down').length).toBe(testerLinksDown);

      // The logs of the soak itself, from the mesh linked up to before the stop (stopping the
      // nodes together makes each see the others go).
      const running = new Map(mesh.map((node) => [node, node.output.slice(linkedLogLength.get(node))]));
      const exits = await nodes.stopAll();
      expect(exits.map((exit) => exit.code)).toEqual(mesh.map(() => 0));
      for (const node of mesh) {
        const log = node.output;
        const soaked = running.get(node)!;
        // How Node reports a promise nobody handled or an exception nobody caught (it then exits 1),
        // and Nest's error lines; leaked listeners show as MaxListenersExceededWarning.
        expect(log).not.toMatch(/unhandled|uncaught|^Node\.js v\d+/im);
        expect(log).not.toMatch(/\bWarning\b/);
        expect(soaked).not.toMatch(/\b(ERROR|FATAL)\b/);
        expect(soaked).not.toMatch(/link (up|down):/);
      }
    },
    SECONDS * 1000 + 300_000,
  );
});
