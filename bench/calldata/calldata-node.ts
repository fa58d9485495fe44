import type { INestApplicationContext, Provider } from '@nestjs/common';
import { CallDataModule } from '../../src/calldata/calldata.module.js';
import { startMeshNode } from '../link/mesh-node.js';
import type { CallDataNodeConfig } from './calldata-bench.types.js';

/** A node with the mesh and CallData as a host application assembles it, on loopback. */
export function startCallDataNode(
  config: CallDataNodeConfig,
  providers: Provider[] = [],
): Promise<INestApplicationContext> {
  return startMeshNode({ ...config, encryption: 'none' }, providers, {
    mesh: { enabled: config.meshEnabled },
    // Defaults: a pull from every linked peer every 5 s, 24 h retention.
    imports: [CallDataModule.forRoot({})],
  });
}
