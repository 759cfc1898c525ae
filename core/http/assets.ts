/**
 * The web-component bundle: `/rt-dashboard.js`, its source map and its lazily loaded chunks, read from the
 * build output once and served with a content-hash ETag. The bundle is public code, so any site may load it
 * (`Access-Control-Allow-Origin: *`, which a cross-origin `<script type="module">` needs); what it may then
 * fetch and stream is checked against `server.origins` like every other request.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import type Koa from 'koa';
import { packageRoot } from '../paths.js';

/** Where esbuild writes the bundle (`npm run build`). */
export const webDir = join(packageRoot, 'dist', 'web');

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json; charset=utf-8' };

/** Serves files of `webDir` at the given URL paths; unknown paths fall through to the next middleware. */
export function webAssets(): Koa.Middleware {
  const cache = new Map<string, Promise<Asset | undefined>>();
  const load = (rel: string): Promise<Asset | undefined> => {
    let asset = cache.get(rel);
    if (asset === undefined) {
      asset = readFile(join(webDir, rel)).then(
        (body) => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, type: TYPES[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream' }),
        () => undefined,
      );
      cache.set(rel, asset);
    }
    return asset;
  };
  return async function assets(ctx, next) {
    const rel = assetPath(ctx.path);
    if (rel === undefined || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const asset = await load(rel);
    if (asset === undefined) {
      if (rel === 'rt-dashboard.js') {
        ctx.status = 503;
        ctx.type = 'text/plain';
        ctx.body = 'the web components are not built: run `npm run build`';
        return;
      }
      return next();
    }
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('ETag', asset.etag);
    // The entry keeps its name across versions, so it is revalidated; chunks carry their hash in the name.
    ctx.set('Cache-Control', rel.startsWith('chunks/') ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate');
    if (ctx.get('If-None-Match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}

/** The file under webDir that a URL path names, or undefined when it names none of the bundle's files. */
function assetPath(path: string): string | undefined {
  if (path === '/rt-dashboard.js' || path === '/rt-dashboard.js.map') return path.slice(1);
  if (!path.startsWith('/chunks/') || !/^\/chunks\/[\w.-]+\.js(\.map)?$/.test(path)) return undefined;
  const rel = normalize(path.slice(1));
  return rel.startsWith(`chunks${sep}`) ? rel : undefined;
}
