import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BadRequestException, Body, Controller, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { useAdminBodyParser } from '../../src/admin/admin-body-parser.js';
import { ADMIN_BASE_PATH, AdminRoutes } from '../../src/admin/admin-routes.js';

const LARGE = JSON.stringify({ filler: 'x'.repeat(200_000) });
const TOO_LARGE = JSON.stringify({ filler: 'x'.repeat(2_200_000) });

/** Routes of the admin API's shape (base path `ops`) and the host application's own `/api/*`. */
@Controller()
class RoutesController {
  @Post('ops/api/things')
  admin(@Body() body: { filler?: string }): unknown {
    return { length: body.filler?.length ?? 0 };
  }

  @Post('api/things')
  host(@Body() body: { filler?: string }): unknown {
    return { length: body.filler?.length ?? 0 };
  }

  @Post('api/refused')
  refused(): never {
    throw new BadRequestException({ message: 'host rule', code: 7 });
  }
}

describe('useAdminBodyParser under a global prefix and a base path', () => {
  let app: NestExpressApplication;
  let base: string;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [RoutesController],
      providers: [{ provide: ADMIN_BASE_PATH, useValue: 'ops' }, AdminRoutes],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    useAdminBodyParser(app);
    // After useAdminBodyParser on purpose: the admin paths are read per request.
    app.setGlobalPrefix('v1');
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const post = async (path: string, body: string, type = 'application/json') => {
    const answer = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it('answers a broken body of the admin API in the {statusCode, error, message} form', async () => {
    expect(await post('/v1/ops/api/things', '{"broken":')).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: expect.any(String) },
    });
  });

  it('takes admin bodies over Express’s 100 kB default, up to ADMIN_BODY_LIMIT', async () => {
    expect(await post('/v1/ops/api/things', LARGE)).toEqual({ status: 201, body: { length: 200_000 } });
    expect(await post('/v1/OPS/Api/things', LARGE)).toEqual({ status: 201, body: { length: 200_000 } });
    expect(await post('/v1/ops/api/things', TOO_LARGE)).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' },
    });
  });

  it('answers an unreadable form body of the admin API in the same form', async () => {
    const answer = await post(
      '/v1/ops/api/things',
      `a=${'x'.repeat(2_200_000)}`,
      'application/x-www-form-urlencoded',
    );
    expect(answer).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' },
    });
  });

  it("leaves the host's own /api/* routes to Nest's parser, limit and answers", async () => {
    expect(await post('/v1/api/refused', '{}')).toEqual({
      status: 400,
      body: { message: 'host rule', code: 7 },
    });
    // Nest's own answer to a body over its default limit has no `error`; the admin API's has.
    const tooLarge = await post('/v1/api/things', LARGE);
    expect(tooLarge).toEqual({ status: 413, body: { statusCode: 413, message: 'request entity too large' } });
    // Outside the global prefix, the admin API's path is just another path of the host.
    expect(await post('/ops/api/things', LARGE)).toEqual(tooLarge);
  });
});
