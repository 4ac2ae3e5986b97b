/**
 * Serves the built web UI (`packages/web/dist`): hashed assets under `/assets/` with long cache
 * headers, and `index.html` for `/` and every client-side route (any GET outside `/api`), with a
 * strict Content-Security-Policy. Unknown `/api` paths keep the API's JSON 404. When the UI is
 * not built, the server still starts and the UI paths answer a short 503 text.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const COMPRESSIBLE = /^(text\/|application\/json|image\/svg\+xml)/;

/** `br` or `gzip` when the client accepts it (a `q=0` refuses), else undefined. */
export function preferredEncoding(header: string | string[] | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    accepted.add(token.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

/** Asset names as Vite writes them (`index-Bx3k9.js`): no path separators, no dot-dot. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

/** `packages/web/dist`, found from the source file (`src/http`) or the bundle (`dist/main.js`). */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../web/dist'), resolve(here, '../../web/dist')];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0]!;
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .status(503)
    .type('text/plain; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send('The Waggle web UI is not built. Run `npm run build -w @waggle/web` (npm start does it), then reload.\n');
}

type Fallback = (req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * Wraps the API's not-found handler: GET/HEAD requests outside `/api` are the UI's (assets, or
 * `index.html` for client-side routes); everything else goes to `apiNotFound`. Going through the
 * not-found handler keeps the UI out of the route table, so `/api/openapi.json` and every
 * matched API route are untouched. `root` is the Vite output folder (default `packages/web/dist`).
 */
export function webFallback(root: string | undefined, apiNotFound: Fallback): Fallback {
  const dir = root ?? defaultWebRoot();
  const indexFile = join(dir, 'index.html');
  const assetsDir = join(dir, 'assets');

  const sendIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: Buffer;
    try {
      html = await readFile(indexFile);
    } catch {
      return notBuilt(reply);
    }
    return reply.status(200).type('text/html; charset=utf-8').header('Content-Security-Policy', WEB_CSP).header('Cache-Control', 'no-cache').send(html);
  };

  // Hashed assets never change under their name: each is read once and compressed once per
  // encoding (text types only), then served from memory.
  const assets = new Map<string, Promise<Buffer | undefined>>();
  const cached = (key: string, make: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> => {
    let p = assets.get(key);
    if (!p) assets.set(key, (p = make()));
    return p;
  };
  const raw = (name: string) => cached(name, () => readFile(join(assetsDir, name)).catch(() => undefined));

  const sendAsset = async (name: string, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const body = ASSET_NAME.test(name) ? await raw(name) : undefined;
    if (!body) {
      assets.delete(name);
      return reply.status(404).type('text/plain; charset=utf-8').send('No such asset\n');
    }
    const type = TYPES[extname(name)] ?? 'application/octet-stream';
    reply.status(200).type(type).header('Cache-Control', 'public, max-age=31536000, immutable').header('Vary', 'Accept-Encoding');
    const encoding = COMPRESSIBLE.test(type) && body.length > 1024 ? preferredEncoding(req.headers['accept-encoding']) : undefined;
    if (encoding === 'br') {
      const br = await cached(`${name}|br`, () => brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
      return reply.header('Content-Encoding', 'br').send(br);
    }
    if (encoding === 'gzip') return reply.header('Content-Encoding', 'gzip').send(await cached(`${name}|gzip`, () => gzipAsync(body, { level: 9 })));
    return reply.send(body);
  };

  return (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const isApi = path === '/api' || path.startsWith('/api/');
    if (isApi || (req.method !== 'GET' && req.method !== 'HEAD')) return apiNotFound(req, reply);
    if (path.startsWith('/assets/')) return sendAsset(path.slice('/assets/'.length), req, reply);
    return sendIndex(reply);
  };
}
