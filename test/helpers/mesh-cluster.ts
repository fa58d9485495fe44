import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { DynamicModule, Provider } from '@nestjs/common';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { MeshNode } from './mesh-node.js';
import { TestDatabaseServer } from './test-database.js';

/**
 * In-process mesh nodes for one test file: one PostgreSQL server for the file, a database per
 * node, and every node closed after each test.
 */
export function meshCluster(): {
  start(
    options?: Partial<MeshModuleOptions>,
    providers?: Provider[],
    imports?: DynamicModule[],
  ): Promise<MeshNode>;
  /**
   * Closes a node and starts it again on its database (same node ID, list, settings), after
   * `whileDown` when given.
   */
  restart(
    node: MeshNode,
    options?: Partial<MeshModuleOptions>,
    whileDown?: () => Promise<void>,
  ): Promise<MeshNode>;
} {
  let database: TestDatabaseServer | undefined;
  const nodes: MeshNode[] = [];
  beforeAll(async () => {
    database = await TestDatabaseServer.start();
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.close()));
  });
  afterAll(async () => {
    await database?.stop();
  });
  return {
    async start(options = {}, providers = [], imports = []) {
      if (!database) throw new Error('meshCluster().start is for tests and hooks, not the describe body');
      const node = await MeshNode.start(database, options, providers, imports);
      nodes.push(node);
      return node;
    },
    async restart(node, options = {}, whileDown) {
      nodes.splice(nodes.indexOf(node), 1);
      await node.close();
      await whileDown?.();
      const again = await MeshNode.startOn({ ...node.setup, options: { ...node.setup.options, ...options } });
      nodes.push(again);
      return again;
    },
  };
}
