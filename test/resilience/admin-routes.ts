import 'reflect-metadata';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';

const ADMIN_SOURCE = join(import.meta.dirname, '..', '..', 'src', 'admin');

export interface Route {
  method: string;
  /** As declared, e.g. `/api/mesh/nodes/:id/pin`. */
  path: string;
  controller: string;
}

/**
 * Every HTTP route of every controller under src/admin, read from the decorators' metadata, so a
 * route added later is covered without anyone listing it here.
 */
export async function adminRoutes(): Promise<Route[]> {
  const files = (await readdir(ADMIN_SOURCE, { recursive: true })).filter((file) =>
    file.endsWith('.controller.ts'),
  );
  const routes: Route[] = [];
  for (const file of files) {
    const exports = (await import(pathToFileURL(join(ADMIN_SOURCE, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (typeof value !== 'function') continue;
      const base = Reflect.getMetadata(PATH_METADATA, value) as string | undefined;
      if (base === undefined) continue;
      const prototype = value.prototype as object;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        // The descriptor, not the property: reading a getter would run it.
        const handler: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const joined = `/${[base, path]
          .map((part) => part.replace(/^\/+|\/+$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        routes.push({ method: RequestMethod[method], path: joined, controller: value.name });
      }
    }
  }
  if (routes.length === 0) throw new Error(`no routes found under ${ADMIN_SOURCE}`);
  return routes;
}

/** The route's path with its parameters filled in by `values` (parameter name → value). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}
