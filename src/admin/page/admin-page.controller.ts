import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Redirect, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';

/** The page's files, shipped in the package next to this controller; read once at start. */
const FILES: Array<[file: string, type: string]> = [
  ['index.html', 'text/html; charset=utf-8'],
  ['admin.js', 'text/javascript; charset=utf-8'],
  ['i18n.js', 'text/javascript; charset=utf-8'],
  ['admin.css', 'text/css; charset=utf-8'],
  ['favicon.svg', 'image/svg+xml'],
];
const ASSETS = new Map(
  FILES.map(([file, type]) => [
    file,
    { type, body: readFileSync(join(import.meta.dirname, 'static', file)) },
  ]),
);

/** Only the node's own files and API: no CDN, no inline script, not framed by other sites. */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Where `/admin/` and `/admin/index.html` send the browser: relative, so it works under any global
 * prefix, base path or reverse-proxy path.
 */
const TO_PAGE = '../admin';

/**
 * `GET <basePath>/admin`: the admin page. It is public like any login page; everything it shows
 * comes from `<basePath>/api/*` with the admin token the administrator types in. The page refers to
 * its assets and the API relative to its own address, so it must be read at `…/admin`.
 */
@Controller('admin')
export class AdminPageController {
  @Get()
  page(@Req() request: Request, @Res() response: Response): void {
    // Express routes `/admin/` here too; from there the page's relative addresses would be wrong.
    if (request.path.endsWith('/')) return response.redirect(301, TO_PAGE);
    send(response, 'index.html');
  }

  @Get('index.html')
  @Redirect(TO_PAGE, 301)
  index(): void {}

  @Get('assets/:file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'index.html' || !ASSETS.has(file)) throw new NotFoundException(`no asset ${file}`);
    send(response, file);
  }
}

function send(response: Response, file: string): void {
  const asset = ASSETS.get(file)!;
  response.set({ ...SECURITY_HEADERS, 'Content-Type': asset.type }).send(asset.body);
}
