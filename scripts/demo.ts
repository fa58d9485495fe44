// `npm run demo`: three standalone nodes (dist/main.js) on this machine, linked as a full mesh over
// loopback, each with its own embedded PostgreSQL under <data-dir>/node-N. Prints the admin URLs and
// tokens; Ctrl-C (SIGINT), SIGTERM or SIGHUP stops every node gracefully.
//   npm run demo -- [--fresh] [--verbose] [--base-port 7301] [--data-dir ./demo-data]
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const NODES = 3;
const MAIN = resolve(import.meta.dirname, '..', '..', 'dist', 'main.js');
const MESH = { id: 'demo', password: 'demo-password' };
/** Three initdb runs at once on a slow disk take a while; the node's own tests allow 90 s. */
const START_LIMIT_MS = 120_000;
const LINK_LIMIT_MS = 30_000;
/** A node gives itself 20 s to shut down; a little more before it is killed. */
const STOP_LIMIT_MS = 25_000;
const API_LIMIT_MS = 3_000;
const POLL_MS = 200;
/** Lines of a node's output kept to show when it fails. */
const RECENT_LINES = 60;

const USAGE = `usage: npm run demo -- [options]
  --base-port <n>  mesh ports n..n+2, admin HTTP ports n+100..n+102 (default 7301; env DEMO_BASE_PORT)
  --mesh-port <n>  first mesh port (env DEMO_MESH_PORT)
  --http-port <n>  first admin HTTP port (env DEMO_HTTP_PORT)
  --data-dir <dir> data of the nodes, kept across runs (default ./demo-data; env DEMO_DATA_DIR)
  --fresh          delete the nodes' data first: new node IDs, tokens and evaluation licenses
  --verbose, -v    show the nodes' output, each line prefixed with the node's name
Changed ports with kept data leave the old addresses in the node lists; use --fresh then.`;

/**
 * Stops a node whose demo died (see demo-guard.ts). Nodes run in their own process group, so a
 * Ctrl-C in the terminal reaches only the demo, which stops each node with one signal: a second
 * one would make a node exit without stopping its database.
 */
const GUARD = pathToFileURL(join(import.meta.dirname, 'demo-guard.js')).href;

/** The node's own configuration variables: inherited ones must not change the demo's setup. */
const NODE_VARIABLE = /^(MESH_|HTTP_|CALLDATA_)|^(DATABASE_URL|DATA_DIR|ADMIN_TOKEN)$/;

interface Options {
  meshPort: number;
  httpPort: number;
  dataDir: string;
  fresh: boolean;
  verbose: boolean;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface DemoNode {
  name: string;
  meshPort: number;
  httpPort: number;
  dataDir: string;
  child: ChildProcess;
  recent: string[];
  exit?: Exit;
  exited: Promise<Exit>;
  banner?: { nodeId: string; adminUrl: string; token: string };
}

/** What the demo reads of `GET /api/mesh/nodes` (the `Node` of the README). */
interface MeshNodeView {
  nodeId: string | null;
  host: string;
  port: number;
  status: { state: string; reason?: string };
}

const options = readOptions();
const nodes: DemoNode[] = [];
let stopping = false;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // npm may pass on the terminal's Ctrl-C once more; the stop under way is bounded anyway.
    if (!stopping) void shutdown(0, `${signal}: stopping the nodes…`);
  });
}

try {
  await main();
} catch (error: unknown) {
  if (!stopping) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown(1);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const busy = await busyPorts();
  if (busy.length > 0) {
    throw new Error(
      `${busy.length > 1 ? 'ports' : 'port'} ${busy.join(', ')} on 127.0.0.1 in use (is a demo running already?); pick others with --base-port`,
    );
  }
  if (options.fresh) {
    // Only the nodes' own folders: --data-dir may name a folder that holds other things too.
    for (let i = 1; i <= NODES; i++)
      await rm(join(options.dataDir, `node-${i}`), { recursive: true, force: true });
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o711 });
  // Run as root, each node's PostgreSQL runs as the `postgres` user, which must pass through.
  if (userInfo().uid === 0) await chmod(options.dataDir, (await stat(options.dataDir)).mode | 0o111);

  say(`Starting ${NODES} UC Mesh nodes, data in ${shown(options.dataDir)}…`);
  for (let i = 1; i <= NODES; i++) nodes.push(startNode(i));
  await Promise.all(nodes.map((node) => untilBanner(node)));
  if (stopping) return; // a node failed or a signal came: shutdown() reports and exits

  say('Waiting for the mesh links…');
  const problems = await untilLinked();
  if (stopping) return;
  if (problems.length > 0) {
    say(`\nThe mesh is not complete after ${LINK_LIMIT_MS / 1000} s:`);
    for (const problem of problems) say(`  ${problem}`);
    say('Old data may be past its 30-day evaluation license (try --fresh); --verbose shows the nodes’ logs.');
  }
  printSummary();
}

function startNode(index: number): DemoNode {
  const name = `node-${index}`;
  const meshPort = options.meshPort + index - 1;
  const httpPort = options.httpPort + index - 1;
  const dataDir = join(options.dataDir, name);
  const peers = Array.from({ length: NODES }, (_, i) => options.meshPort + i)
    .filter((port) => port !== meshPort)
    .map((port) => `127.0.0.1:${port}`);
  const inherited = Object.entries(process.env).filter(([key]) => !NODE_VARIABLE.test(key));
  const child = spawn(process.execPath, ['--import', GUARD, MAIN], {
    env: {
      ...Object.fromEntries(inherited),
      NO_COLOR: '1', // plain text to read the banner from
      DATA_DIR: dataDir,
      MESH_HOST: '127.0.0.1',
      MESH_BIND: '127.0.0.1',
      MESH_PORT: String(meshPort),
      MESH_ID: MESH.id,
      MESH_PASSWORD: MESH.password,
      // The LAN search would find the nodes by itself; a loopback demo sends nothing to the LAN.
      MESH_DISCOVERY: 'false',
      MESH_PEERS: peers.join(','),
      HTTP_BIND: '127.0.0.1',
      HTTP_PORT: String(httpPort),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group: see GUARD
  });
  const node: DemoNode = {
    name,
    meshPort,
    httpPort,
    dataDir,
    child,
    recent: [],
    exited: new Promise((done) => {
      child.once('exit', (code, signal) => done({ code, signal }));
      // Without a PID the process never started, and no 'exit' follows.
      child.once('error', () => child.pid === undefined && done({ code: null, signal: null }));
    }),
  };
  child.on('error', (error) => node.recent.push(`demo: ${error.message}`));
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', lineReader(node));
  void node.exited.then((exit) => {
    node.exit = exit;
    if (stopping) return;
    process.stderr.write(`\n${name} exited unexpectedly (${describe(exit)}); its output:\n`);
    for (const line of node.recent) process.stderr.write(`[${name}] ${line}\n`);
    void shutdown(1);
  });
  return node;
}

/** Splits a stream into lines: kept for a failure report, shown at once with --verbose. */
function lineReader(node: DemoNode): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      node.recent.push(line);
      if (node.recent.length > RECENT_LINES) node.recent.shift();
      if (options.verbose) process.stdout.write(`[${node.name}] ${line}\n`);
      node.banner ??= bannerOf(node.recent);
    }
  };
}

/** The start banner of src/main.ts; complete once the token line is there. */
function bannerOf(lines: string[]): DemoNode['banner'] {
  const text = lines.join('\n');
  const token = /admin token: (\S+) \(stored in/.exec(text)?.[1];
  const nodeId = /node ([0-9a-f-]{36}) ready/.exec(text)?.[1];
  const adminUrl = /admin: (http:\/\/\S+\/admin)/.exec(text)?.[1];
  return token && nodeId && adminUrl ? { token, nodeId, adminUrl } : undefined;
}

async function untilBanner(node: DemoNode): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (!node.banner) {
    if (stopping || node.exit) return; // the exit handler reports it
    if (Date.now() > deadline) {
      throw new Error(
        `${node.name} not ready within ${START_LIMIT_MS / 1000} s; its output:\n${node.recent.join('\n')}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Polls every node's list until each shows the two others connected; the problems left at the limit. */
async function untilLinked(): Promise<string[]> {
  const deadline = Date.now() + LINK_LIMIT_MS;
  for (;;) {
    const problems = (await Promise.all(nodes.map((node) => linkProblems(node)))).flat();
    if (problems.length === 0 || stopping || Date.now() > deadline) return problems;
    await sleep(POLL_MS * 2);
  }
}

async function linkProblems(node: DemoNode): Promise<string[]> {
  const { token, adminUrl } = node.banner!;
  let list: MeshNodeView[];
  try {
    const response = await fetch(new URL('/api/mesh/nodes', adminUrl), {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(API_LIMIT_MS),
    });
    if (!response.ok) return [`${node.name}: GET /api/mesh/nodes answered ${response.status}`];
    list = (await response.json()) as MeshNodeView[];
  } catch (error: unknown) {
    return [`${node.name}: GET /api/mesh/nodes failed: ${error instanceof Error ? error.message : 'error'}`];
  }
  return nodes
    .filter((other) => other !== node)
    .flatMap((other) => {
      const entries = list.filter(
        (entry) => entry.nodeId === other.banner?.nodeId || entry.port === other.meshPort,
      );
      if (entries.some((entry) => entry.status.state === 'connected')) return [];
      const status = entries[0]?.status;
      const why = status ? `${status.state}${status.reason ? ` (${status.reason})` : ''}` : 'not listed';
      return [`${node.name} → ${other.name}: ${why}`];
    });
}

function printSummary(): void {
  const header = ['node', 'admin page', 'token', 'mesh port', 'node ID'];
  const rows = nodes.map((node) => [
    node.name,
    node.banner!.adminUrl,
    node.banner!.token,
    String(node.meshPort),
    node.banner!.nodeId,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const [first, second] = nodes;
  const url = (node: DemoNode) => `http://127.0.0.1:${node.httpPort}/api/calldata/demo-call`;
  const bearer = (node: DemoNode) => `-H 'Authorization: Bearer ${node.banner!.token}'`;
  say(
    [
      '',
      `UC Mesh demo: ${NODES} nodes linked as a full mesh "${MESH.id}" on 127.0.0.1`,
      '',
      line(header),
      ...rows.map(line),
      '',
      'CallData: PUT a field on node-1, read it on node-2:',
      `  curl -s -X PUT ${bearer(first!)} -H 'Content-Type: application/json' -d '{"fields":{"caller":"alice"}}' ${url(first!)}`,
      `  curl -s ${bearer(second!)} ${url(second!)}`,
      '',
      `Data stays in ${shown(options.dataDir)} (--fresh starts over). Ctrl-C stops all nodes.`,
    ].join('\n'),
  );
}

/** SIGTERM to every node, bounded wait; exits 0 only if every node stopped with 0. */
async function shutdown(code: number, message?: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (message) say(`\n${message}`);
  const running = nodes.filter((node) => !node.exit && node.child.pid !== undefined);
  for (const node of running) node.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((done) => (timer = setTimeout(done, STOP_LIMIT_MS)));
  await Promise.race([Promise.all(running.map((node) => node.exited)), limit]);
  clearTimeout(timer);
  let clean = true;
  for (const node of running) {
    if (!node.exit) {
      process.stderr.write(`${node.name} did not stop within ${STOP_LIMIT_MS / 1000} s: killed\n`);
      node.child.kill('SIGKILL');
      clean = false;
    } else if (node.exit.code !== 0) {
      process.stderr.write(`${node.name} stopped with ${describe(node.exit)}\n`);
      clean = false;
    }
  }
  if (clean && code === 0) say('All nodes stopped.');
  process.exit(clean ? code : 1);
}

function readOptions(): Options {
  try {
    const { values } = parseArgs({
      options: {
        'base-port': { type: 'string' },
        'mesh-port': { type: 'string' },
        'http-port': { type: 'string' },
        'data-dir': { type: 'string' },
        fresh: { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const env = process.env;
    const base = portOption('--base-port', values['base-port'] ?? env.DEMO_BASE_PORT, 7301);
    const meshPort = portOption('--mesh-port', values['mesh-port'] ?? env.DEMO_MESH_PORT, base);
    const httpPort = portOption('--http-port', values['http-port'] ?? env.DEMO_HTTP_PORT, base + 100);
    if (Math.abs(meshPort - httpPort) < NODES) {
      throw new Error(`mesh ports ${meshPort}+ and HTTP ports ${httpPort}+ overlap`);
    }
    return {
      meshPort,
      httpPort,
      dataDir: resolve(values['data-dir'] ?? (env.DEMO_DATA_DIR || 'demo-data')),
      fresh: values.fresh,
      verbose: values.verbose,
    };
  } catch (error: unknown) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** A first port with room for one port per node. */
function portOption(name: string, value: string | undefined, fallback: number): number {
  const port = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65536 - NODES) {
    throw new Error(`${name} must be an integer from 1 to ${65536 - NODES}, not "${value ?? port}"`);
  }
  return port;
}

/** The demo's ports that something on 127.0.0.1 holds now: a clear message instead of a node's EADDRINUSE. */
async function busyPorts(): Promise<number[]> {
  const ports = Array.from({ length: NODES }, (_, i) => [options.meshPort + i, options.httpPort + i]).flat();
  const free = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((done) => {
          const server = createServer();
          server.once('error', () => done(false));
          server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
        }),
    ),
  );
  return ports.filter((_, i) => !free[i]);
}

function describe(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function shown(path: string): string {
  const near = relative(process.cwd(), path);
  return near === '' ? '.' : near.startsWith('..') || isAbsolute(near) ? path : `./${near}`;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
