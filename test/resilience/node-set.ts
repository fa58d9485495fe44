import { untilLinked } from '../helpers/node-api.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';

/** Real node processes of one spec on 127.0.0.1, each with `base` in its environment, stopped together. */
export class NodeSet {
  private readonly running = new Set<NodeProcess>();

  constructor(private readonly base: Record<string, string> = {}) {}

  /** A node with a data dir of its own unless `env` names one (a restart keeps its node ID). */
  async start(env: Record<string, string>): Promise<NodeProcess> {
    const node = await NodeProcess.start({
      MESH_HOST: '127.0.0.1',
      ...this.base,
      ...env,
      DATA_DIR: env.DATA_DIR ?? (await tempDataDir()),
    });
    this.running.add(node);
    return node;
  }

  /** Leaves out of `stopAll` a node the test has stopped (or killed) itself. */
  forget(node: NodeProcess): void {
    this.running.delete(node);
  }

  /**
   * `count` nodes, each with every other one in MESH_PEERS, all with `env` (and `envOf(i)`), linked
   * to each other before this resolves.
   */
  async startMesh(
    count: number,
    env: Record<string, string>,
    envOf: (index: number) => Record<string, string> = () => ({}),
  ): Promise<NodeProcess[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    const nodes = await Promise.all(
      ports.map((port, i) =>
        this.start({
          ...env,
          MESH_PORT: String(port),
          MESH_PEERS: ports
            .filter((other) => other !== port)
            .map((other) => `127.0.0.1:${other}`)
            .join(','),
          ...envOf(i),
        }),
      ),
    );
    await Promise.all(
      nodes.map((node) =>
        untilLinked(
          node,
          nodes.filter((other) => other !== node),
        ),
      ),
    );
    return nodes;
  }

  /** Stops every node (SIGTERM) and answers their exits. */
  async stopAll(): Promise<Array<{ node: NodeProcess; code: number | null }>> {
    const nodes = [...this.running];
    this.running.clear();
    // A node frozen with SIGSTOP would never act on the SIGTERM.
    for (const node of nodes) node.signal('SIGCONT');
    return Promise.all(
      nodes.map(async (node) => ({
        node,
        code: await node.stop().then(
          (exit) => exit.code,
          () => null,
        ),
      })),
    );
  }
}
