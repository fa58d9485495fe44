import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Get, type INestApplication } from '@nestjs/common';
import { AdminApi } from '../../src/admin/auth/admin-api.decorator.js';
import { startAdminTestApp } from '../helpers/admin-test-app.js';

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
    app = await startAdminTestApp({ token, controllers: [ProbeController] });
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
