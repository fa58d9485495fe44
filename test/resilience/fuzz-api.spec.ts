import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { HttpException, type PipeTransform } from '@nestjs/common';
import { PIPES_METADATA } from '@nestjs/common/constants.js';
import fc from 'fast-check';
import { CallDataBodyPipe } from '../../src/admin/calldata/calldata-body.pipe.js';
import { LicenseController } from '../../src/admin/license/license.controller.js';
import { InstallLicenseDto } from '../../src/admin/license/install-license.dto.js';
import { AddNodeDto } from '../../src/admin/mesh/dto/add-node.dto.js';
import { SetConnectDto } from '../../src/admin/mesh/dto/set-connect.dto.js';
import { UpdateMeshSettingsDto } from '../../src/admin/mesh/dto/update-mesh-settings.dto.js';
import { MeshNodesController } from '../../src/admin/mesh/mesh-nodes.controller.js';
import { MeshController } from '../../src/admin/mesh/mesh.controller.js';
import { nodeIdPipe } from '../../src/admin/mesh/mesh-validation.js';
import { checkCallLinkageId } from '../../src/calldata/calldata-limits.js';
import { fuzzParameters, fuzzRuns } from './fuzz-runs.js';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { DiscoveryService } from '../../src/mesh/discovery/discovery.service.js';
import { TestDatabaseServer } from '../helpers/test-database.js';
import { ADMIN_TOKEN, startAdminHttpApp } from './admin-http-app.js';
import { jsonBody, pathId, ROUTES, type RouteName } from './api-bodies.js';

const RUNS = fuzzRuns();
/** Requests over real HTTP: a share of the cases, each a full round trip through Express and Nest. */
const HTTP_RUNS = Math.max(2000, Math.ceil(RUNS / 50));
const HTTP_CONCURRENCY = 4;
const ROUTE_NAMES: RouteName[] = ['settings', 'addNode', 'setConnect', 'license', 'calldata'];

/** The pipes the controllers really use, read from their metadata. */
function controllerPipe(controller: object): PipeTransform {
  const [pipe] = (Reflect.getMetadata(PIPES_METADATA, controller) ?? []) as PipeTransform[];
  if (!pipe) throw new Error('the controller has no pipe');
  return pipe;
}

/**
 * What the validation of a route makes of a request: the body it lets through, or the HTTP error
 * it answers (thrown by a pipe, or by the service's own check for a call linkage ID).
 */
async function validate(
  route: RouteName,
  body: unknown,
  id: string,
): Promise<{ accepted: true } | { accepted: false; error: unknown }> {
  const meta = (metatype: unknown) => ({
    type: 'body' as const,
    metatype: metatype as never,
    data: undefined,
  });
  try {
    switch (route) {
      case 'settings':
        await controllerPipe(MeshController).transform(body, meta(UpdateMeshSettingsDto));
        break;
      case 'addNode':
        await controllerPipe(MeshNodesController).transform(body, meta(AddNodeDto));
        break;
      case 'setConnect':
        await nodeIdPipe().transform(id, { type: 'param', metatype: String, data: 'id' });
        await controllerPipe(MeshNodesController).transform(body, meta(SetConnectDto));
        break;
      case 'license':
        await controllerPipe(LicenseController).transform(body, meta(InstallLicenseDto));
        break;
      case 'calldata':
        new CallDataBodyPipe().transform(body);
        checkCallLinkageId(id);
        break;
    }
    return { accepted: true };
  } catch (error: unknown) {
    return { accepted: false, error };
  }
}

/** The answer the admin API promises for bad input: 4xx `{statusCode, error, message}`. */
function isClientError(response: unknown, status?: number): boolean {
  if (typeof response !== 'object' || response === null) return false;
  const { statusCode, error, message } = response as Record<string, unknown>;
  const messages = Array.isArray(message) ? message : [message];
  return (
    typeof statusCode === 'number' &&
    statusCode >= 400 &&
    statusCode < 500 &&
    (status === undefined || statusCode === status) &&
    typeof error === 'string' &&
    messages.length > 0 &&
    messages.every((m) => typeof m === 'string' && m.length > 0)
  );
}

describe(`admin API bodies through the real validation (${RUNS} cases)`, () => {
  it('every body is let through or refused with a 4xx {statusCode, error, message}, never another error', async () => {
    const seen = { accepted: 0, refused: 0 };
    const route = fc.constantFrom(...ROUTE_NAMES);
    await fc.assert(
      fc.asyncProperty(
        route.chain((name) => fc.tuple(fc.constant(name), jsonBody(name), pathId)),
        async ([name, body, id]) => {
          const outcome = await validate(name, body, id);
          if (outcome.accepted) {
            seen.accepted++;
            return;
          }
          seen.refused++;
          const { error } = outcome;
          // A call linkage ID is checked by the service; its filter maps the error to this 400.
          if (name === 'calldata' && !(error instanceof HttpException)) {
            expect(error).toMatchObject({ name: 'CallDataValidationError' });
            return;
          }
          if (!(error instanceof HttpException) || !isClientError(error.getResponse(), error.getStatus())) {
            throw error;
          }
        },
      ),
      fuzzParameters(RUNS),
    );
    // Not vacuous: both outcomes occur.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(RUNS / 2);
  });
});

/** A request as a client puts it on the wire. */
interface RawRequest {
  route: RouteName;
  id: string;
  contentType?: string;
  encoding?: string;
  body?: Buffer;
  /** The body as the JSON parser hands it to Nest, when it is JSON it can read; else undefined. */
  parsed: unknown;
}

/** Bodies that are not JSON, or not what they claim to be. */
const nonJson = fc.oneof(
  fc
    .uint8Array({ maxLength: 300 })
    .map((bytes) => ({ contentType: 'application/json', body: Buffer.from(bytes) })),
  fc
    .string({ maxLength: 200 })
    .map((text) => ({ contentType: 'application/json', body: Buffer.from(`{${text}`) })),
  fc.jsonValue().map((value) => ({ contentType: 'text/plain', body: Buffer.from(JSON.stringify(value)) })),
  fc.constantFrom(
    { contentType: 'application/json; charset=utf-16', body: Buffer.from('{"a":1}', 'utf16le') },
    { contentType: 'application/json; charset=nope', body: Buffer.from('{}') },
    { contentType: 'application/json', encoding: 'gzip', body: Buffer.from('not gzip at all') },
    { contentType: 'application/json', encoding: 'br', body: Buffer.from('{}') },
    { contentType: 'application/json', encoding: 'x-unknown', body: Buffer.from('{}') },
    { contentType: 'application/json', body: Buffer.alloc(0) },
    { contentType: 'application/json', body: Buffer.from('\uFEFF{}') },
    { contentType: 'multipart/form-data; boundary=x', body: Buffer.from('--x--') },
    { contentType: undefined, body: Buffer.from('{"connect":true}') },
  ),
  // Over the 2 MB limit, plain and gzipped (a small body that inflates past it).
  fc.constantFrom(
    { contentType: 'application/json', body: Buffer.from(JSON.stringify({ token: 'x'.repeat(2_100_000) })) },
    {
      contentType: 'application/json',
      encoding: 'gzip',
      body: gzipSync(JSON.stringify({ t: ' '.repeat(5_000_000) })),
    },
  ),
);

/** Never lets the fuzzer switch the mesh or the LAN search on outside a test-made namespace. */
function keepOff(route: RouteName, body: unknown): unknown {
  if (route !== 'settings' || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const safe = { ...(body as Record<string, unknown>) };
  for (const key of ['enabled', 'discovery']) if (safe[key] === true) safe[key] = false;
  return safe;
}

function request(ids: string[]): fc.Arbitrary<RawRequest> {
  const id = fc.oneof(fc.constantFrom(...ids), pathId);
  return fc.constantFrom(...ROUTE_NAMES).chain((route) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.tuple(jsonBody(route), id).map(([value, at]): RawRequest => {
          const parsed = keepOff(route, value);
          return {
            route,
            id: at,
            contentType: 'application/json',
            body: Buffer.from(JSON.stringify(parsed)),
            parsed,
          };
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(nonJson, id)
          .map(([raw, at]): RawRequest => ({ route, id: at, ...raw, parsed: undefined })),
      },
    ),
  );
}

describe(`admin API bodies over real HTTP on loopback (${HTTP_RUNS} requests)`, () => {
  let database: TestDatabaseServer;
  let app: INestApplication;
  let url: string;
  /** Nodes the PATCH route can find. */
  const ids: string[] = [];

  beforeAll(async () => {
    database = await TestDatabaseServer.start();
    ({ app, url } = await startAdminHttpApp(database));
    const registry = app.get(PeerRegistryService);
    // Loopback addresses with nothing listening: harmless even if they were ever dialled.
    for (const port of [1, 2]) ids.push((await registry.addFixed({ host: '127.0.0.1', port })).id);
  });

  afterAll(async () => {
    await app?.close();
    await database?.stop();
  });

  it('answers every request below 500: 4xx {statusCode, error, message}, 2xx only for bodies the rules allow', async () => {
    const requests = fc.sample(request(ids), { numRuns: HTTP_RUNS });
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    const send = async (req: RawRequest) => {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
      if (req.contentType) headers['content-type'] = req.contentType;
      if (req.encoding) headers['content-encoding'] = req.encoding;
      const response = await fetch(`${url}${ROUTES[req.route].path(req.id)}`, {
        method: ROUTES[req.route].method,
        headers,
        body: req.body,
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const what = () =>
        `${ROUTES[req.route].method} ${req.route} ${req.contentType} ${req.encoding ?? ''} ${String(req.body?.subarray(0, 200))} → ${response.status} ${text.slice(0, 300)}`;
      if (response.status >= 500) return problems.push(what());
      if (response.status >= 400) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return problems.push(`not JSON: ${what()}`);
        }
        if (!isClientError(body, response.status))
          problems.push(`not {statusCode, error, message}: ${what()}`);
        return;
      }
      // Let through over HTTP: then the validation lets the body through too (a JSON body it read).
      const parsed = req.encoding ? undefined : req.parsed;
      if (!(await validate(req.route, parsed, req.id)).accepted) problems.push(`accepted: ${what()}`);
    };
    for (let at = 0; at < requests.length; at += HTTP_CONCURRENCY) {
      await Promise.all(requests.slice(at, at + HTTP_CONCURRENCY).map(send));
    }
    expect(problems).toEqual([]);
    // Not vacuous: refusals and acceptances both happened, and the app still answers.
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
    expect(app.get(DiscoveryService).active).toBe(false);
    const overview = await fetch(`${url}/api/mesh`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(overview.status).toBe(200);
  });
});
