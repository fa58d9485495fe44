import { freePort, tempDataDir } from '../helpers/node-process.js';

/**
 * Environments of two nodes that list each other as fixed nodes, each with its own data dir and
 * database: started again with the same environment, a node is the same node at the same port.
 */
export async function pairEnvs(
  databaseUrls: readonly [string, string],
): Promise<[Record<string, string>, Record<string, string>]> {
  const ports = [await freePort(), await freePort()] as const;
  const envOf = async (self: 0 | 1, peer: 0 | 1) => ({
    DATA_DIR: await tempDataDir(),
    DATABASE_URL: databaseUrls[self],
    MESH_PORT: String(ports[self]),
    MESH_PEERS: `127.0.0.1:${ports[peer]}`,
  });
  return [await envOf(0, 1), await envOf(1, 0)];
}
