// Draws the link suite's rates per stack as an SVG bar chart (median bar, min – max whisker), for
// docs/BENCHMARKS.md.
// usage: node .build/bench/bench/tools/link-chart.js bench/results/link-<stamp>.json [--out docs/x.svg]
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Spread } from '../common/stats.js';
import { formatCount } from '../common/table.js';
import type { LinkSuiteResult } from '../link/link-suite.js';

interface Bar {
  stack: string;
  value: Spread;
}

interface Panel {
  title: string;
  bars: Bar[];
}

const WIDTH = 760;
const LABEL_WIDTH = 90;
const VALUE_WIDTH = 150;
const BAR_HEIGHT = 22;
const BAR_GAP = 8;
const PANEL_TITLE = 34;
const PANEL_GAP = 18;
/** One colour per stack, the same in every panel; the baselines in greys. */
const COLOURS: Record<string, string> = {
  raw: '#8a8f98',
  'nest-tcp': '#c7a26b',
  'mesh-tcp': '#2f6fd0',
  'mesh-tls': '#1f9d6b',
};

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Bars of one figure per stack, those with no runs left out. */
function bars<S extends { stack: string }>(scenarios: S[], figure: (s: S) => Spread | undefined): Bar[] {
  return scenarios.flatMap((s) => {
    const value = figure(s);
    return value ? [{ stack: s.stack, value }] : [];
  });
}

function drawPanel(panel: Panel, top: number): string {
  const scaleMax = Math.max(...panel.bars.map((bar) => bar.value.max));
  const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (value: number) => LABEL_WIDTH + (value / scaleMax) * plot;
  const parts = [
    `<text x="0" y="${top + 20}" class="title">${escape(panel.title)}</text>`,
    `<line x1="${LABEL_WIDTH}" x2="${LABEL_WIDTH}" y1="${top + PANEL_TITLE - 4}" y2="${
      top + PANEL_TITLE + panel.bars.length * (BAR_HEIGHT + BAR_GAP)
    }" class="axis"/>`,
  ];
  panel.bars.forEach((bar, i) => {
    const y = top + PANEL_TITLE + i * (BAR_HEIGHT + BAR_GAP);
    const middle = y + BAR_HEIGHT / 2;
    const colour = COLOURS[bar.stack] ?? '#555';
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${middle + 4}" class="label">${escape(bar.stack)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(bar.value.median) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}" rx="2"/>`,
      `<line x1="${x(bar.value.min).toFixed(1)}" x2="${x(bar.value.max).toFixed(1)}" y1="${middle}" y2="${middle}" class="whisker"/>`,
      `<text x="${(x(bar.value.max) + 6).toFixed(1)}" y="${middle + 4}" class="value">${formatCount(bar.value.median)}</text>`,
    );
  });
  return parts.join('\n  ');
}

/** A results file of the link suite: the suite's result and the settings it ran with. */
type LinkReport = LinkSuiteResult & { settings: { inFlight: number } };

/** The SVG document: one panel per figure, stacked. */
function linkChart(result: LinkReport): string {
  const panels: Panel[] = [
    {
      title: `One-way messages per second (${result.frameBytes.mesh}-byte call-state events on a mesh link)`,
      bars: bars(result.throughput, (s) => s.messagesPerSecond),
    },
    {
      title: `Pipelined requests per second (${result.settings.inFlight} in flight)`,
      bars: bars(result.pipelined, (s) => s.requestsPerSecond),
    },
  ].filter((panel) => panel.bars.length > 0);
  let top = 0;
  const drawn = panels.map((panel) => {
    const svg = drawPanel(panel, top);
    top += PANEL_TITLE + panel.bars.length * (BAR_HEIGHT + BAR_GAP) + PANEL_GAP;
    return svg;
  });
  const height = top + 16;
  const note =
    'bar: median of the runs; line: min – max; separate sender and receiver processes on 127.0.0.1';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">
  <style>
    .title { font-weight: 600; fill: #222; }
    .label { text-anchor: end; fill: #222; }
    .value { fill: #222; }
    .axis { stroke: #999; }
    .whisker { stroke: #222; stroke-width: 1.5; }
    .note { fill: #666; font-size: 11px; }
  </style>
  <rect width="100%" height="100%" fill="#fff"/>
  ${drawn.join('\n  ')}
  <text x="0" y="${height - 4}" class="note">${escape(note)}</text>
</svg>
`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string', default: 'docs/benchmarks-link.svg' } },
  });
  const [file] = positionals;
  if (!file) throw new Error('usage: link-chart.js bench/results/link-<stamp>.json [--out FILE]');
  const result = JSON.parse(await readFile(file, 'utf8')) as LinkReport;
  await writeFile(values.out, linkChart(result));
  console.log(`chart: ${values.out}`);
}

await main();
