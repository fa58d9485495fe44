import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { checkCallLinkageId } from '../../src/calldata/calldata-limits.js';
import { CallDataValidationFilter } from '../../src/calldata/calldata-validation.filter.js';

/** A host route that lets CallData's validation error escape. */
@Controller('calls')
class CallsController {
  @Get(':id')
  get(@Param('id') id: string): { id: string } {
    checkCallLinkageId(id);
    return { id };
  }
}

describe('CallDataValidationFilter registered globally by hand', () => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  const start = async (filtered: boolean): Promise<string> => {
    const moduleRef = await Test.createTestingModule({ controllers: [CallsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    if (filtered) app.useGlobalFilters(new CallDataValidationFilter(app.getHttpAdapter()));
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  };

  it('answers 400 naming the reason, with the HTTP adapter passed in', async () => {
    const url = await start(true);
    const answer = await fetch(`${url}/calls/${'x'.repeat(129)}`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['callLinkageId must be 1 to 128 characters without control characters or lone surrogates'],
    });
    expect((await fetch(`${url}/calls/c1`)).status).toBe(200);
  });

  it('is what stands between the error and a bare 500', async () => {
    const url = await start(false);
    expect((await fetch(`${url}/calls/${'x'.repeat(129)}`)).status).toBe(500);
  });
});
