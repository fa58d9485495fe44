import {
  ADMIN_ROUTE_DEFAULTS,
  type AdminModuleOptions,
  type AdminModuleRoutes,
} from './admin-module.options.js';
import { AdminOptionsError } from './admin-options.error.js';
import { isRegistry } from './metrics/is-registry.js';

const OPTION_KEYS = new Set(['adminToken', 'dataDir', 'registry']);
const ROUTE_KEYS = new Set(Object.keys(ADMIN_ROUTE_DEFAULTS));
/** URL path segment characters that need no escaping and mean nothing to Nest's route syntax. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * The route options with their defaults, the base path without leading or trailing slashes
 * (`'/ops/mesh/'` ⇒ `'ops/mesh'`, root ⇒ `''`); throws AdminOptionsError naming each bad one.
 */
export function checkAdminRoutes(routes: AdminModuleRoutes): Required<AdminModuleRoutes> {
  const basePath = routes.basePath === undefined ? ADMIN_ROUTE_DEFAULTS.basePath : routes.basePath;
  const health = routes.health === undefined ? ADMIN_ROUTE_DEFAULTS.health : routes.health;
  const metrics = routes.metrics === undefined ? ADMIN_ROUTE_DEFAULTS.metrics : routes.metrics;
  const problems: string[] = [];
  let normalized = '';
  if (typeof basePath !== 'string') {
    problems.push(`basePath must be a string, got ${describe(basePath)}`);
  } else {
    normalized = basePath.replace(/^\/+|\/+$/g, '');
    const segments = normalized === '' ? [] : normalized.split('/');
    if (segments.some((segment) => !SEGMENT.test(segment) || segment === '.' || segment === '..')) {
      problems.push(
        `basePath must be path segments of letters, digits and . _ ~ - separated by /, got ${JSON.stringify(basePath)}`,
      );
    }
  }
  for (const [name, value] of [
    ['health', health],
    ['metrics', metrics],
  ] as const) {
    if (typeof value !== 'boolean') problems.push(`${name} must be true or false, got ${describe(value)}`);
  }
  if (problems.length > 0) throw new AdminOptionsError(problems);
  return { basePath: normalized, health, metrics };
}

/**
 * The options `forRoot` got, or `forRootAsync`'s factory returned, as given; throws AdminOptionsError
 * naming each unknown key and wrong type (a typo must not pass silently).
 */
export function checkAdminOptions(options: unknown): AdminModuleOptions {
  if (typeof options !== 'object' || options === null) {
    throw new AdminOptionsError([`the options must be an object, got ${describe(options)}`]);
  }
  const problems: string[] = [];
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (OPTION_KEYS.has(key)) continue;
    problems.push(
      ROUTE_KEYS.has(key)
        ? `${key} shapes the routes: give it beside useFactory, not in what the factory returns`
        : `unknown option ${JSON.stringify(key)}; allowed: ${[...OPTION_KEYS, ...ROUTE_KEYS].join(', ')}`,
    );
  }
  const { adminToken, dataDir, registry } = record;
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.trim() === '')) {
    problems.push(`adminToken must be a non-empty string or left out, got ${describe(adminToken)}`);
  }
  if (typeof dataDir !== 'string' || dataDir === '') {
    problems.push(`dataDir must be a non-empty string (a folder), got ${describe(dataDir)}`);
  }
  if (registry !== undefined && !isRegistry(registry)) {
    problems.push(`registry must be a prom-client Registry or left out, got ${describe(registry)}`);
  }
  if (problems.length > 0) throw new AdminOptionsError(problems);
  return record as unknown as AdminModuleOptions;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'bigint') return `bigint ${value}`;
  // undefined, functions and symbols have no JSON form; their type says enough.
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? typeof value : `${typeof value} ${json}`;
}
