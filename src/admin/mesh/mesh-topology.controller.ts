import { Get } from '@nestjs/common';
import { type MeshTopology, MeshTopologyService } from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';

/** `GET /api/mesh/topology`: the whole mesh as this node sees it, from every linked node's link table. */
@AdminApi('mesh/topology')
export class MeshTopologyController {
  constructor(private readonly topology: MeshTopologyService) {}

  @Get()
  get(): MeshTopology {
    return this.topology.topology();
  }
}
