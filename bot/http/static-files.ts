import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Request, Response } from 'restify';
import { isHeadRequest } from './request-guard';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under `root` a URL path names, or null for anything that is not a plain path inside it. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // NUL bytes make fs calls throw synchronously (restify issue 1864); backslashes and dot segments could leave the root.
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return null;
  const base = resolve(root);
  const path = segments.length === 0 ? join(base, 'index.html') : resolve(base, ...segments);
  return path === base || path.startsWith(base + sep) ? path : null;
}

function answer(res: Response, status: number, message: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(message),
  });
  res.end(message);
}

/**
 * Serves the built tab's files (GET and HEAD) from `root`. It never throws: a path that is not a
 * plain file inside `root` is a 404, and a read that fails midway ends that one response. Vite names
 * everything under /assets/ by its content hash, so those may be cached for good; index.html may not.
 */
export async function serveStaticFile(root: string, req: Request, res: Response): Promise<void> {
  if (req.method !== 'GET' && !isHeadRequest(req)) return answer(res, 405, 'Method not allowed.');
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  const path = resolveStaticPath(root, rawPath);
  const found = path
    ? await stat(path).then(
        (s) => (s.isFile() ? s : null),
        () => null,
      )
    : null;
  if (!path || !found) return answer(res, 404, 'Not found.');
  const immutable = rawPath.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'content-length': found.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (isHeadRequest(req)) return void res.end();
  const stream = createReadStream(path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
