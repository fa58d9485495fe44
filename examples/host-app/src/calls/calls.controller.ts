import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import {
  type CallData,
  type CallDataFieldChanges,
  CallDataService,
  CallDataValidationError,
} from 'uc-mesh/calldata';

/** The data of this server's calls; CallData replicates it to every server of the mesh. */
@Controller('calls')
export class CallsController {
  constructor(private readonly callData: CallDataService) {}

  @Put(':id')
  async set(@Param('id') id: string, @Body() fields: CallDataFieldChanges): Promise<CallData> {
    try {
      return await this.callData.set(id, fields);
    } catch (error: unknown) {
      if (error instanceof CallDataValidationError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<CallData> {
    const call = await this.callData.get(id);
    if (!call) throw new NotFoundException(`no call ${id}`);
    return call;
  }
}
