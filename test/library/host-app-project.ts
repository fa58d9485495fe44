// The packed uc-mesh as a host gets it: `npm pack` of this repository, a copy of
// examples/host-app with the tarball and another @nestjs 12.x installed from the registry, and the
// host's built server run as a child process.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** npm with the environment of a developer's shell, not the one `npm test` sets for its script. */
export async function npm(cwd: string, args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const { stdout } = await run('npm', args, {
    cwd,
    env: { ...env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  return stdout;
}

export interface PackedFile {
  path: string;
  size: number;
}

/** `npm pack` of the repository (its `prepack` builds); the tarball's path and contents. */
export async function packUcMesh(
  destination: string,
): Promise<{ tarball: string; files: PackedFile[]; size: number }> {
  const [packed] = JSON.parse(
    await npm(REPO, ['pack', '--json', '--pack-destination', destination]),
  ) as Array<{
    filename: string;
    size: number;
    files: PackedFile[];
  }>;
  if (!packed) throw new Error('npm pack reported no tarball');
  return { tarball: join(destination, packed.filename), files: packed.files, size: packed.size };
}

/** The newest published @nestjs/core 12.x other than the version this repository pins. */
export async function otherNest12(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pinned = manifest.devDependencies['@nestjs/core'];
  const versions = JSON.parse(await npm(REPO, ['view', '@nestjs/core', 'versions', '--json'])) as string[];
  const other = versions.filter((version) => /^12\.\d+\.\d+$/.test(version) && version !== pinned).at(-1);
  if (!other) throw new Error(`no @nestjs/core 12.x besides ${pinned} on the registry`);
  return other;
}

/**
 * A copy of examples/host-app in `dir`, its package.json pointed at `tarball` and at `nest` for
 * @nestjs/common, core and platform-express, installed with one `npm install`.
 */
export async function installHostApp(dir: string, tarball: string, nest: string): Promise<void> {
  await cp(join(REPO, 'examples', 'host-app'), dir, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
  });
  const manifestFile = join(dir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies['uc-mesh'] = `file:${tarball}`;
  for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']) {
    manifest.dependencies[name] = nest;
  }
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
  await npm(dir, ['install', '--prefer-offline']);
}

/**
 * A project that depends on uc-mesh alone, as a host that imports only MeshModule (and CallData)
 * does: its module in `src/host.ts`, compiled against the package's declarations by `check`.
 */
export async function installMeshOnly(dir: string, tarball: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  const manifest = {
    name: 'mesh-only-host',
    private: true,
    type: 'module',
    dependencies: { 'uc-mesh': `file:${tarball}` },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, 'src', 'host.ts'), MESH_ONLY_HOST);
  await npm(dir, ['install', '--prefer-offline']);
}

const MESH_ONLY_HOST = `import { Module } from '@nestjs/common';
import { type AdmissionCheck, LinkFailure, MeshModule } from 'uc-mesh';
import { CallDataModule } from 'uc-mesh/calldata';

@Module({ imports: [MeshModule.forRoot({ host: 'uc1', discovery: false }), CallDataModule.forRoot({})] })
export class HostModule {}

export const onlyOurSite: AdmissionCheck = (peer) =>
  peer.host.endsWith('.site-a') ? undefined : new LinkFailure('not-known-remote', \`\${peer.host} is not ours\`);
console.log(typeof HostModule, typeof onlyOurSite);
`;

/**
 * Compiles the mesh-only host with `tsc` (another project's: this one has no TypeScript of its own)
 * strictly, declarations of the package included; the Node.js types come from `typeRoots`.
 */
export async function compileMeshOnly(dir: string, tsc: string, typeRoots: string): Promise<void> {
  const compilerOptions = {
    module: 'nodenext',
    target: 'ES2023',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    rootDir: 'src',
    outDir: 'dist',
    typeRoots: [typeRoots],
    types: ['node'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  await run(tsc, ['-p', 'tsconfig.json'], { cwd: dir, timeout: 600_000 }).catch(
    (error: Error & { stdout?: string }) => {
      // tsc reports on stdout.
      throw new Error(`tsc failed: ${error.message}\n${error.stdout ?? ''}`);
    },
  );
}

/** Copies of a package installed in `dir`, by version, from `npm ls --all --json`. */
export async function installedCopies(dir: string, name: string): Promise<string[]> {
  interface Tree {
    version?: string;
    dependencies?: Record<string, Tree & { deduped?: boolean; path?: string }>;
  }
  const tree = JSON.parse(await npm(dir, ['ls', '--all', '--json', '--long', name])) as Tree;
  const paths = new Set<string>();
  const walk = (node: Tree): void => {
    for (const [dependency, child] of Object.entries(node.dependencies ?? {})) {
      if (dependency === name && child.path) paths.add(`${child.version ?? '?'} ${child.path}`);
      walk(child);
    }
  };
  walk(tree);
  return [...paths];
}

/** The host app's built server (`dist/main.js`) as a child process. */
export class HostAppProcess {
  private log = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', () => done()));
  }

  static start(dir: string, env: Record<string, string>): HostAppProcess {
    const child = spawn(process.execPath, [join(dir, 'dist', 'main.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new HostAppProcess(child);
  }

  get output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    const limit = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(limit);
  }
}
