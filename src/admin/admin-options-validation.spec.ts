import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { checkAdminOptions, checkAdminRoutes } from './admin-options-validation.js';
import { AdminOptionsError } from './admin-options.error.js';

describe('checkAdminRoutes', () => {
  it('defaults to the root with health and metrics, as before there were options', () => {
    expect(checkAdminRoutes({})).toEqual({ basePath: '', health: true, metrics: true });
  });

  it.each([
    ['mesh', 'mesh'],
    ['/mesh/', 'mesh'],
    ['//ops/mesh', 'ops/mesh'],
    ['/', ''],
    ['v2.1_x~y-z', 'v2.1_x~y-z'],
  ])('normalises basePath %j to %j', (given, normalised) => {
    expect(checkAdminRoutes({ basePath: given }).basePath).toBe(normalised);
  });

  it.each([
    [{ basePath: 'a b' }, 'basePath must be path segments'],
    [{ basePath: 'ops/:id' }, 'basePath must be path segments'],
    [{ basePath: 'ops/*' }, 'basePath must be path segments'],
    [{ basePath: '../up' }, 'basePath must be path segments'],
    [{ basePath: 'a//b' }, 'basePath must be path segments'],
    [{ basePath: 7 }, 'basePath must be a string, got number 7'],
    [{ health: 'no' }, 'health must be true or false, got string "no"'],
    [{ metrics: null }, 'metrics must be true or false, got null'],
  ])('refuses %j', (routes, problem) => {
    expect(() => checkAdminRoutes(routes as never)).toThrow(problem);
  });
});

describe('checkAdminOptions', () => {
  it('passes the options as given', () => {
    const options = { dataDir: '/var/lib/node', adminToken: 'secret', registry: new Registry() };
    expect(checkAdminOptions(options)).toBe(options);
  });

  it('names every problem in one error', () => {
    const refused = (() => {
      try {
        checkAdminOptions({ dataDir: '', adminTokn: 'x', basePath: 'ops', registry: {}, adminToken: ' ' });
      } catch (error: unknown) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(AdminOptionsError);
    expect((refused as AdminOptionsError).problems).toEqual([
      'unknown option "adminTokn"; allowed: adminToken, dataDir, registry, basePath, health, metrics',
      'basePath shapes the routes: give it beside useFactory, not in what the factory returns',
      'adminToken must be a non-empty string or left out, got string " "',
      'dataDir must be a non-empty string (a folder), got string ""',
      'registry must be a prom-client Registry or left out, got an object',
    ]);
  });

  it('refuses what is no object', () => {
    expect(() => checkAdminOptions(undefined)).toThrow(
      'AdminModule: invalid options: the options must be an object',
    );
  });
});
