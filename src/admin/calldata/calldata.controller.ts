import { Body, Get, NotFoundException, Optional, Param, Put, Query, UseFilters } from '@nestjs/common';
import {
  type CallData,
  CallDataService,
  type CallDataSetResult,
  CallDataValidationError,
  CallDataValidationFilter,
} from '../../calldata/index.js';
import { AdminApi } from '../auth/admin-api.decorator.js';
import { CallDataBodyPipe, type SetCallDataBody } from './calldata-body.pipe.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * CallData of calls by call linkage ID. Recording works whether or not the mesh is active; only
 * replication to the other nodes needs it, so there is no license guard here.
 */
@AdminApi('calldata')
@UseFilters(CallDataValidationFilter)
export class CallDataController {
  constructor(@Optional() private readonly calldata?: CallDataService) {}

  /** Calls changed at or after `since` (ISO-8601), oldest first; `limit` 1–1000, default 100. */
  @Get()
  list(@Query('since') since?: string, @Query('limit') limit?: string): Promise<CallData[]> {
    const time = since === undefined ? undefined : new Date(since);
    // Date() also reads `1` or `March 7`; only ISO-8601 is meant.
    if (time && (!ISO_8601.test(since ?? '') || Number.isNaN(time.getTime()))) {
      throw new CallDataValidationError('since', 'since must be an ISO-8601 time');
    }
    const count = limit === undefined ? undefined : /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    return this.service.list({ since: time, limit: count });
  }

  @Get(':callLinkageId')
  async get(@Param('callLinkageId') callLinkageId: string): Promise<CallData> {
    const callData = await this.service.get(callLinkageId);
    if (!callData) throw new NotFoundException(`no CallData for call ${JSON.stringify(callLinkageId)}`);
    return callData;
  }

  /**
   * Merges the fields; answers the merged CallData once it is stored, with `superseded` listing
   * the fields a concurrent newer write won (by which node), when there are any.
   */
  @Put(':callLinkageId')
  set(
    @Param('callLinkageId') callLinkageId: string,
    @Body(CallDataBodyPipe) body: SetCallDataBody,
  ): Promise<CallDataSetResult> {
    return this.service.set(callLinkageId, body.fields);
  }

  private get service(): CallDataService {
    if (!this.calldata) throw new NotFoundException('this node does not import CallDataModule');
    return this.calldata;
  }
}
