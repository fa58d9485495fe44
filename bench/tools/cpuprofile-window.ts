// Where the CPU of a lan-scale mesh went in one phase of a formation run: every node's V8 profile
// (`--cpu-profile DIR` of the lan-scale bench) cut to the phase, summed over the nodes.
// usage: node .build/bench/bench/tools/cpuprofile-window.js --result bench/results/lan-scale-….json
//          --profiles DIR [--run peers_1] [--window formation|start|topology] [--top 40]
//   start: first spawn → last node ready; formation: last ready → full mesh; topology: last ready →
//   every topology view complete.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatFixed, formatTable } from '../common/table.js';
import type { FormationRun } from '../lan-scale/formation-run.js';
import {
  addTimes,
  type CpuProfile,
  cutProfile,
  monotonicUs,
  scaleTimes,
  type WindowTimes,
} from './profile-window.js';

const WINDOWS = ['start', 'formation', 'topology'] as const;
type WindowName = (typeof WINDOWS)[number];

function windowOf(run: FormationRun, name: WindowName): [number, number] {
  const { firstSpawnAt, lastReadyAt, fullMeshAt, topologyAt } = run.window;
  if (name === 'start') return [firstSpawnAt, lastReadyAt];
  if (name === 'formation') return [lastReadyAt, fullMeshAt];
  if (topologyAt === null) throw new Error('the run has no topology time');
  return [lastReadyAt, topologyAt];
}

function top(map: Map<string, number>, count: number, busyUs: number, title: string): string {
  const rows = [...map.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => [formatFixed(us / 1e6, 2), formatFixed((us / busyUs) * 100), name]);
  return formatTable(['CPU s', '% of busy', title], rows);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      result: { type: 'string' },
      profiles: { type: 'string' },
      run: { type: 'string' },
      window: { type: 'string', default: 'formation' },
      top: { type: 'string', default: '40' },
    },
  });
  if (values.result === undefined || values.profiles === undefined)
    throw new Error('--result <lan-scale result JSON> and --profiles <the --cpu-profile DIR> are needed');
  const windowName = values.window as WindowName;
  if (!WINDOWS.includes(windowName)) throw new Error(`--window takes one of ${WINDOWS.join(', ')}`);
  const count = Number(values.top);
  const result = JSON.parse(await readFile(values.result, 'utf8')) as {
    scenarios: Array<{ runs: FormationRun[] }>;
  };
  const runs = result.scenarios.flatMap((scenario) => scenario.runs);
  const run = values.run === undefined ? runs[0] : runs.find((r) => r.runId === values.run);
  if (!run?.window) throw new Error(`no run ${values.run ?? ''} with a recorded window in ${values.result}`);
  const [fromMs, toMs] = windowOf(run, windowName);
  const fromUs = monotonicUs(fromMs, run.window.clock);
  const toUs = monotonicUs(toMs, run.window.clock);
  const runDir = join(values.profiles, run.runId);
  const perNode: Array<{ node: number; times: WindowTimes; files: number }> = [];
  for (let node = 1; node <= run.nodes; node++) {
    const dir = join(runDir, `node-${node}`);
    const files = (await readdir(dir).catch(() => [])).filter((file) => file.endsWith('.cpuprofile'));
    const cuts: WindowTimes[] = [];
    for (const file of files) {
      const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
      cuts.push(cutProfile(profile, fromUs, toUs));
    }
    perNode.push({ node, times: addTimes(cuts), files: files.length });
  }
  const seconds = (toMs - fromMs) / 1000;
  // /proc's CPU seconds per node over the same phase (the formed phase ends at the probe's answer).
  const procCpu =
    windowName === 'start'
      ? run.cpu.nodesUntilLastReady
      : windowName === 'formation'
        ? run.cpu.nodesUntilFormed
        : undefined;
  const total = addTimes(perNode.map((entry) => entry.times));
  // Shares of the profiles' busy time, as CPU seconds: each node's scaled to its /proc figure.
  const cpu = procCpu
    ? addTimes(perNode.map(({ node, times }) => scaleTimes(times, (procCpu[node - 1] ?? 0) * 1e6)))
    : total;
  const postgres = windowName === 'start' ? run.cpu.postgresUntilLastReady : run.cpu.postgresUntilFormed;
  console.log(
    `${run.nodes} nodes, run ${run.runId}, window ${windowName}: ${formatFixed(seconds, 2)} s ` +
      `(${new Date(fromMs).toISOString()} → ${new Date(toMs).toISOString()})\n` +
      `profiles: ${formatFixed(total.busyUs / 1e6, 1)} s busy (runnable: wall time, waits for a core ` +
      `included), ${formatFixed(total.idleUs / 1e6, 1)} s idle, summed over the nodes\n` +
      (procCpu
        ? `/proc: nodes ${formatFixed(cpu.busyUs / 1e6, 1)} CPU s = ${formatFixed(cpu.busyUs / 1e6 / seconds, 2)} ` +
          `cores; PostgreSQL ${formatFixed(postgres, 1)} CPU s; admin probe ${formatFixed(run.cpu.probeUntilFormed, 1)} ` +
          `CPU s (formed phase)\nCPU s below: each node's profile shares × its /proc CPU seconds\n`
        : 'no /proc figures for this window: CPU s below are profile busy seconds\n'),
  );
  console.log(
    formatTable(
      ['node', 'profiles', 'busy s (profile)', 'CPU s (/proc)', 'idle s (profile)'],
      perNode.map(({ node, times, files }) => [
        String(node),
        String(files),
        formatFixed(times.busyUs / 1e6, 2),
        formatFixed(procCpu?.[node - 1], 2),
        formatFixed(times.idleUs / 1e6, 2),
      ]),
    ),
  );
  const busy = cpu.busyUs;
  console.log(`\n${top(cpu.bySource, count, busy, 'source (self time)')}`);
  console.log(`\n${top(cpu.byAreaInclusive, count, busy, 'area on the stack (inclusive)')}`);
  console.log(
    `\n${top(cpu.byProductFunctionInclusive, count, busy, 'product function on the stack (inclusive)')}`,
  );
  console.log(`\n${top(cpu.byFunction, count, busy, 'function (self time)')}`);
}

await main();
