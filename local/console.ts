// Serves the web console (console/) beside the API: GET / is its page, /console/* its files. Built
// in memory with esbuild on the first request; locally config.json is `{}`: the API is the page's
// own origin and takes unsigned requests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { buildConsole } from '../console/build.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

let site: Map<string, Uint8Array> | undefined;

function files(): Map<string, Uint8Array> {
  if (!site) {
    site = buildConsole();
    site.set('console/config.json', new TextEncoder().encode('{}'));
  }
  return site;
}

/** Whether a path is the console's (its page or its files), not the API's. */
export const isConsolePath = (pathname: string) => pathname === '/' || pathname.startsWith('/console/');

/** Answers GET / and GET /console/*; returns false for every other request. */
export function serveConsole(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  if (req.method !== 'GET' || !isConsolePath(pathname)) return false;
  const name = pathname === '/' ? 'index.html' : pathname.slice(1);
  const body = files().get(name);
  if (!body) return false;
  res.writeHead(200, {
    'content-type': types[extname(name)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(name === 'index.html' && { 'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" }),
  });
  res.end(body);
  return true;
}
