import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import type { Response } from 'express';

/** The page's files, shipped in the package next to this controller; read once at start. */
const FILES: Array<[file: string, type: string]> = [
  ['index.html', 'text/html; charset=utf-8'],
  ['admin.js', 'text/javascript; charset=utf-8'],
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
 * `GET /admin`: the admin page. It is public like any login page; everything it shows comes from
 * `/api/*` with the admin token the administrator types in.
 */
@Controller('admin')
export class AdminPageController {
  @Get()
  page(@Res() response: Response): void {
    send(response, 'index.html');
  }

  /** `/admin/` and `/admin/index.html` are the page too. */
  @Get('index.html')
  @Redirect('/admin', 301)
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
