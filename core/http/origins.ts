/**
 * The Host and Origin checks and CORS headers of the HTTP routes. Every route answers only requests for one
 * of the server's own names (RTDASH_HOST_NOT_ALLOWED, 421, otherwise: see core/allowed-hosts.ts).
 * A browser page on an origin in `server.origins` (or on the server's own) gets CORS headers and data. A page on any other origin is refused on the
 * routes that carry data or act (`/api/*`, `/sse`) with a 403 it can read, saying why. Requests without
 * an Origin header (curl, servers, same-origin navigations) pass untouched.
 */
import type { Context, Next } from 'koa';
import { RtdashError } from '../errors.js';
import { originRefusal, type ConnectionGate } from '../stream/connection-gate.js';

const ALLOW_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
const ALLOW_METHODS = 'GET, POST';

/** Whether a path serves dashboard data or acts on the server, and so is closed to other origins. */
function guarded(path: string): boolean {
  return path === '/sse' || path.startsWith('/api/');
}

/** Koa middleware: RTDASH_HOST_NOT_ALLOWED (421) for a request whose Host is not one of the server's names, on every route. */
export function hostCheck(gate: ConnectionGate) {
  return async function hosts(ctx: Context, next: Next): Promise<void> {
    const host = ctx.get('Host');
    if (!gate.hostAllowed(host)) {
      const refusal = gate.hostRefusal(host);
      throw new RtdashError(refusal.code, refusal.reason);
    }
    return next();
  };
}

/** Koa middleware: CORS for allowed origins, RTDASH_ORIGIN_NOT_ALLOWED (403) for the others on guarded routes. */
export function originCheck(gate: ConnectionGate) {
  return async function origins(ctx: Context, next: Next): Promise<void> {
    // Answers differ by Origin, so a shared cache must not hand one site's answer to another.
    ctx.vary('Origin');
    const origin = ctx.get('Origin');
    if (origin === '') return next();
    const allowed = gate.originAllowed(origin, ctx.get('Host'));
    if (!allowed && !guarded(ctx.path)) return next();
    // A refused page may read the refusal (it holds no data), so its owner sees why instead of a bare CORS failure.
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS') {
      // Preflights pass for refused origins too, so that the request itself is sent and its 403 can be read.
      ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
      ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    if (!allowed) throw new RtdashError('RTDASH_ORIGIN_NOT_ALLOWED', originRefusal(origin));
    ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
    return next();
  };
}
