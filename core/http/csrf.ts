/**
 * CSRF protection for every state-changing request that a session cookie could authorise. Three layers: the cookie
 * is SameSite=Lax (a cross-site POST does not carry it), the request must come from the server's own origin (Origin,
 * or Sec-Fetch-Site where there is no Origin), and it must carry the session's CSRF token (`X-CSRF-Token`, or a
 * `csrf` field of a form) that only the server's own pages can read (`GET /api/me`, the rendered page).
 * Requests without a session cookie are left to their own checks (admin tokens, the sign-in form's own token).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { RtdashError } from '../errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ConnectionGate } from '../stream/connection-gate.js';
import { readForm } from './body.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Compared in constant time: how much of a token matched must not show in how long the refusal took. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Koa middleware: RTDASH_CSRF (403) for a state-changing request with a session that is not the server's own page's. */
export function csrfCheck(auth: Authenticator, gate: ConnectionGate) {
  return async function csrf(ctx: Context, next: Next): Promise<void> {
    // The sign-in form has a token of its own: there is no session yet to hold one.
    if (SAFE.has(ctx.method) || ctx.path === '/login') return next();
    const session = auth.identify(ctx.req)?.session;
    if (session === undefined) return next();
    const origin = ctx.get('Origin');
    const site = ctx.get('Sec-Fetch-Site');
    if (origin !== '' ? !gate.ownOrigin(origin, ctx.get('Host')) : site !== '' && site !== 'same-origin' && site !== 'none') {
      throw new RtdashError('RTDASH_CSRF', `a request made with a session cookie must come from this server's own pages, not from ${origin || `a ${site} page`}`);
    }
    let token = ctx.get('X-CSRF-Token');
    if (token === '' && /^application\/x-www-form-urlencoded\b/i.test(ctx.get('Content-Type'))) {
      // The only form posted with a session is sign-out's, which carries nothing else.
      token = (await readForm(ctx)).get('csrf') ?? '';
    }
    if (!sameText(token, session.csrf)) throw new RtdashError('RTDASH_CSRF', 'send the session\'s CSRF token as "X-CSRF-Token" (GET /api/me gives it to the page)');
    return next();
  };
}
