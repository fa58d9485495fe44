import {
  BadRequestException,
  Body,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import {
  LicenseGuard,
  type LinkHistoryEntry,
  LinkHistoryService,
  type MeshNodeView,
  PeerRegistryService,
} from '../../mesh/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { AddNodeDto } from './dto/add-node.dto.js';
import { SetConnectDto } from './dto/set-connect.dto.js';
import { MeshErrorsFilter } from './mesh-errors.filter.js';
import { meshValidationPipe, nodeIdPipe } from './mesh-validation.js';

/**
 * The list of other nodes: add by hand, the connect checkbox, pin to fixed, remove. Changes need the
 * mesh license (403 with the reason); the settings stay writable so a mesh can always be switched off.
 */
@AdminApi('mesh/nodes')
@UsePipes(meshValidationPipe())
@UseFilters(MeshErrorsFilter)
export class MeshNodesController {
  constructor(
    private readonly registry: PeerRegistryService,
    private readonly history: LinkHistoryService,
  ) {}

  @Get()
  list(): MeshNodeView[] {
    return this.registry.list();
  }

  /** The node's last link status changes, newest first ("when did it drop, and why?"). */
  @Get(':id/history')
  nodeHistory(@Param('id', nodeIdPipe()) id: string): Promise<LinkHistoryEntry[]> {
    return this.history.list(this.registry.get(id));
  }

  /** 201 with the node in group `fixed`; a discovered node at that address moves there. */
  @Post()
  @UseGuards(LicenseGuard)
  add(@Body() node: AddNodeDto): Promise<MeshNodeView> {
    return this.registry.addFixed(node);
  }

  /** Sets the checkbox and/or the TLS requirement (409 for `requireTls: true` on a discovered node). */
  @Patch(':id')
  @UseGuards(LicenseGuard)
  async setConnect(
    @Param('id', nodeIdPipe()) id: string,
    @Body() body: SetConnectDto,
  ): Promise<MeshNodeView> {
    const { connect, requireTls } = body;
    if (connect === undefined && requireTls === undefined) {
      throw new BadRequestException(['connect or requireTls must be given (true or false)']);
    }
    // The requirement first: a node checked again links under it at once.
    let view =
      requireTls === undefined ? this.registry.get(id) : await this.registry.setRequireTls(id, requireTls);
    if (connect !== undefined) view = await this.registry.setConnect(id, connect);
    return view;
  }

  /** "Configure this node permanently"; a fixed node stays as it is. */
  @Post(':id/pin')
  @UseGuards(LicenseGuard)
  @HttpCode(HttpStatus.OK)
  pin(@Param('id', nodeIdPipe()) id: string): Promise<MeshNodeView> {
    return this.registry.pin(id);
  }

  @Delete(':id')
  @UseGuards(LicenseGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('id', nodeIdPipe()) id: string): Promise<void> {
    await this.registry.remove(id);
  }
}
