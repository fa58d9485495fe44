import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BadRequestException, Body, Controller, type INestApplication, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpErrorBodyFilter } from '../../src/admin/http-error-body.filter.js';
import { startAdminTestApp } from '../helpers/admin-test-app.js';

const TOO_LARGE = JSON.stringify({ filler: 'x'.repeat(200_000) });

/** A route of the admin API's shape and one of the host application's own. */
@Controller()
class RoutesController {
  @Post('api/things')
  api(@Body() body: unknown): unknown {
    return body;
  }

  @Post('host/things')
  host(): never {
    throw new BadRequestException({ message: 'host rule', code: 7 });
  }

  @Post('api/refused')
  refused(): never {
    throw new BadRequestException({ message: 'api rule', code: 8 });
  }
}

describe('HttpErrorBodyFilter (global, registered by AdminModule)', () => {
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    app = await startAdminTestApp({
      token: 'unused',
      controllers: [RoutesController],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorBodyFilter }],
    });
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const post = async (path: string, body: string) => {
    const answer = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it('gives a body-parser error of an /api route the {statusCode, error, message} form', async () => {
    const answer = await post('/api/things', '{"broken":');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('adds `error` to a body-parser error of an /api route that Nest answers without it', async () => {
    expect(await post('/api/things', TOO_LARGE)).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: expect.any(String) },
    });
  });

  it('keeps every other field of an /api error body', async () => {
    expect(await post('/api/refused', '{}')).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'api rule', code: 8 },
    });
  });

  it("leaves the host application's routes as Nest answers them", async () => {
    expect(await post('/host/things', '{}')).toEqual({
      status: 400,
      body: { message: 'host rule', code: 7 },
    });
    // Over the body parser's default limit (100 kB in this app): Nest answers without `error`.
    const tooLarge = await post('/host/things', TOO_LARGE);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).not.toHaveProperty('error');
  });
});
