// Prints the functions with the most self time in a V8 .cpuprofile (as written by --cpu-prof).
// usage: node .build/bench/bench/tools/cpuprofile-top.js <file.cpuprofile>… [--top N]
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { formatFixed, formatTable } from '../common/table.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name, file and line), in microseconds. */
function selfTimes(profile: Profile): Map<string, number> {
  const names = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const file = callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/\.build\/bench\//, '');
    const where = file === '' ? '' : ` ${file}:${callFrame.lineNumber + 1}`;
    names.set(id, `${callFrame.functionName || '(anonymous)'}${where}`);
  }
  const times = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    // Each delta is the time before sample i; attributing it to sample i is V8's own convention.
    const name = names.get(id) ?? '?';
    times.set(name, (times.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return times;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const times = selfTimes(JSON.parse(await readFile(file, 'utf8')) as Profile);
    let total = 0;
    for (const time of times.values()) total += time;
    const busy = total - (times.get('(idle)') ?? 0);
    const rows = [...times.entries()]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => [formatFixed((time / busy) * 100), formatFixed(time / 1000, 0), name]);
    console.log(
      `\n${basename(file)}: ${formatFixed(busy / 1000, 0)} ms busy of ${formatFixed(total / 1000, 0)} ms`,
    );
    console.log(formatTable(['% of busy', 'self ms', 'function'], rows));
  }
}

await main();
