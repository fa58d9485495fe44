import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ADMIN_MODULE_OPTIONS } from '../../src/admin/admin-module.options.js';
import { AdminApi } from '../../src/admin/auth/admin-api.decorator.js';
import { AdminTokenGuard } from '../../src/admin/auth/admin-token.guard.js';
import { AdminTokenService } from '../../src/admin/auth/admin-token.service.js';
import { tempDataDir } from '../helpers/node-process.js';

@AdminApi('probe')
class ProbeController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

describe('the admin bearer token on /api routes', () => {
  const token = 'a-long-enough-admin-token';
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // The guard and its token alone: AdminModule's own routes need the mesh and a database.
    const moduleRef = await Test.createTestingModule({
      controllers: [ProbeController],
      providers: [
        AdminTokenService,
        AdminTokenGuard,
        { provide: ADMIN_MODULE_OPTIONS, useValue: { adminToken: token, dataDir: await tempDataDir() } },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/api/probe`;
  });
  afterAll(async () => {
    await app.close();
  });

  const call = (authorization?: string) =>
    fetch(url, { headers: authorization === undefined ? {} : { authorization } });

  it('lets the right token through', async () => {
    const response = await call(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it.each([
    ['no header', undefined, 'Authorization: Bearer <admin token> is required'],
    ['another scheme', `Basic ${token}`, 'Authorization: Bearer <admin token> is required'],
    ['a wrong token', 'Bearer not-the-token', 'The admin token is wrong'],
    ['a prefix of the token', `Bearer ${token.slice(0, 10)}`, 'The admin token is wrong'],
  ])('answers 401 to %s', async (_, authorization, message) => {
    const response = await call(authorization);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message });
  });
});
