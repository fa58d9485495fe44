import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MeshStateService } from '../../src/mesh/state/mesh-state.service.js';
import { MeshNode } from '../helpers/mesh-node.js';
import { freePort, tempDataDir } from '../helpers/node-process.js';
import { TestDatabaseServer } from '../helpers/test-database.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'state-node.js');
const START_LIMIT_MS = 90_000;

/** A host app of the built package in its own process, owning `entries` in `presence`. */
async function startStateNode(
  env: Record<string, string>,
  entries: Record<string, string>,
  /** Where the child is recorded at once, for the test's cleanup to kill it whatever happens. */
  children: ChildProcess[],
) {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env, STATE_ENTRIES: JSON.stringify(entries) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + START_LIMIT_MS;
  for (;;) {
    const ready = /node ([0-9a-f-]{36}) ready/.exec(output);
    if (ready) return { child, exited, nodeId: ready[1]! };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the state node did not start: ${output}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const presence = (node: MeshNode, owner: string) =>
  node.app
    .get(MeshStateService)
    .entries('presence', owner)
    .map((e) => `${e.key}=${String(e.value)}`);

describe('replicated state when a node process is killed (SIGKILL)', () => {
  let database: TestDatabaseServer | undefined;
  const nodes: MeshNode[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await TestDatabaseServer.start();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(nodes.splice(0).map((node) => node.close()));
  });
  afterAll(async () => {
    await database?.stop();
  });

  it('drops the killed node’s entries on the others after the grace; started again, they return', async () => {
    for (let i = 0; i < 2; i++) nodes.push(await MeshNode.start(database!, { stateGraceMs: 1000 }));
    const [a, b] = nodes as [MeshNode, MeshNode];
    a.link.connect(b.target);
    const env = {
      DATABASE_URL: await database!.createDatabase(),
      MESH_PORT: String(await freePort()),
      MESH_PEERS: JSON.stringify([a.target, b.target]),
      DATA_DIR: await tempDataDir(),
    };
    const first = await startStateNode(env, { carol: 'busy', chris: 'away' }, children);
    for (const node of [a, b])
      await node.until('C’s entries', () => presence(node, first.nodeId).join() === 'carol=busy,chris=away');

    first.child.kill('SIGKILL');
    await first.exited;
    for (const node of [a, b]) {
      await node.until('C’s entries gone', () => presence(node, first.nodeId).length === 0);
      const gone = node
        .named('mesh.state.changed')
        .filter(
          (e) =>
            e.payload.map === 'presence' &&
            e.payload.nodeId === first.nodeId &&
            e.payload.value === undefined,
        );
      expect(gone.map((e) => [e.payload.key, e.payload.reason])).toEqual([
        ['carol', 'node-left'],
        ['chris', 'node-left'],
      ]);
    }

    const again = await startStateNode(env, { carol: 'available' }, children);
    expect(again.nodeId).toBe(first.nodeId);
    for (const node of [a, b])
      await node.until('C’s entries again', () => presence(node, first.nodeId).join() === 'carol=available');
  });
});
