import fc from 'fast-check';

/** The routes with a body, and the properties their bodies may have. */
export const ROUTES = {
  settings: {
    method: 'PUT',
    path: () => '/api/mesh/settings',
    keys: ['enabled', 'meshId', 'password', 'passwordGraceMs', 'discovery', 'discoveryIntervalMs'],
  },
  addNode: { method: 'POST', path: () => '/api/mesh/nodes', keys: ['host', 'port', 'connect'] },
  setConnect: {
    method: 'PATCH',
    path: (id: string) => `/api/mesh/nodes/${encodeURIComponent(id)}`,
    keys: ['connect'],
  },
  license: { method: 'PUT', path: () => '/api/license', keys: ['token'] },
  calldata: {
    method: 'PUT',
    path: (id: string) => `/api/calldata/${encodeURIComponent(id)}`,
    keys: ['fields'],
  },
} as const;

export type RouteName = keyof typeof ROUTES;

/** Values a property of a body gets: the right type at its bounds and beyond, and every wrong type. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.boolean(),
  fc.constantFrom('true', 'false', '1', '', ' ', 'null', '127.0.0.1', 'a.b', '-1', '7222', '__proto__'),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 499, 500, 65535, 65536, 3_600_000, 3_600_001, 2 ** 53, -0, 1.5, 1e308),
  fc.double(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
  fc.dictionary(
    fc.string({ maxLength: 12 }),
    fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), fc.integer()),
    {
      maxKeys: 6,
    },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A body near the route's schema: some of its properties, some others (also inherited names). */
function nearBody(route: RouteName): fc.Arbitrary<unknown> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ROUTES[route].keys) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  return fc.array(fc.tuple(key, value), { maxLength: 6 }).map((entries) => {
    // Built as JSON text: JSON.parse makes `__proto__` an own property, as body-parser does.
    const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`).join(',')}}`;
    return JSON.parse(text) as unknown;
  });
}

/** Any JSON a client can send, near the schema or not at all. */
export function jsonBody(route: RouteName): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: nearBody(route) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** `:id` of a node or a call: UUIDs, near-UUIDs, anything. */
export const pathId = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => id.slice(1)),
  fc.string({ minLength: 1, maxLength: 140 }),
  fc.constantFrom('..', '%', '%00', ' ', 'a'.repeat(129)),
);
