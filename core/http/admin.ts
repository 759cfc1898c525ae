/**
 * Admin routes need a bearer token from `auth.admin_tokens`. With none configured, only a caller on this
 * machine passes: a loopback peer that no proxy forwarded (see ConnectionGate.localCaller) and that is not a
 * browser. A browser on loopback may be running any web site's script (or a rebound name's), so a request
 * with an Origin header, or one a browser marks as sent by a page, always needs a token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { RtdashError } from '../errors.js';
import type { ConnectionGate } from '../stream/connection-gate.js';
import { hasRole, type Principal, type Role } from '../auth/principal.js';

/** Whether `Authorization: Bearer` carries one of `tokens`, compared in constant time. */
function bearerMatches(ctx: Context, expected: Buffer[]): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(ctx.get('Authorization'))?.[1] ?? '');
  return expected.some((t) => t.length === given.length && timingSafeEqual(t, given));
}

/**
 * Whether a request on a viewer route comes from an admin, who may see the full text of errors: only a
 * bearer token from `auth.admin_tokens` counts (never the loopback shortcut, which a proxy would grant everyone).
 */
export function isAdmin(tokens: string[]): (ctx: Context) => boolean {
  const expected = tokens.map((t) => Buffer.from(t));
  return (ctx) => expected.length > 0 && bearerMatches(ctx, expected);
}

/** Who may take an admin route besides admin tokens: signed-in users with at least `role`. */
export interface SignedInRule {
  principal: (ctx: Context) => Principal | undefined;
  role: Role;
}

/**
 * Koa middleware guarding an admin route. `signedIn` lets a signed-in user with the route's role in as well (an
 * editor to reload or act on alerts, an admin anywhere): their request has passed the CSRF check by then. A
 * signed-in user without the role is refused with RTDASH_FORBIDDEN, naming the role.
 */
export function requireAdmin(tokens: string[], gate: Pick<ConnectionGate, 'localCaller'>, signedIn?: SignedInRule) {
  const expected = tokens.map((t) => Buffer.from(t));
  return async function adminOnly(ctx: Context, next: Next): Promise<void> {
    const principal = signedIn?.principal(ctx);
    if (principal !== undefined && !bearerMatches(ctx, expected)) {
      if (hasRole(principal, signedIn!.role)) return next();
      throw new RtdashError('RTDASH_FORBIDDEN', `${principal.name} is ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}; this needs ${signedIn!.role === 'admin' ? 'an admin' : 'an editor or an admin'} (auth.roles maps groups to roles)`);
    }
    if (expected.length === 0) {
      const refused = shortcutRefusal(ctx, gate);
      if (refused !== undefined) throw new RtdashError('RTDASH_UNAUTHORIZED', refused);
      return next();
    }
    if (!bearerMatches(ctx, expected)) {
      throw new RtdashError('RTDASH_UNAUTHORIZED', 'send an admin token as "Authorization: Bearer TOKEN"');
    }
    return next();
  };
}

/** Why a caller without a token is not let in on a server without admin tokens; undefined when it is. */
function shortcutRefusal(ctx: Context, gate: Pick<ConnectionGate, 'localCaller'>): string | undefined {
  const fix = 'set auth.admin_tokens in config.yaml and send one as "Authorization: Bearer TOKEN"';
  // Sec-Fetch-Site "none" is the user's own navigation (typed or bookmarked): every other value is a page's request.
  const site = ctx.get('Sec-Fetch-Site');
  if (ctx.get('Origin') !== '' || (site !== '' && site !== 'none')) return `admin routes called from a web page need an admin token: ${fix}`;
  if (!gate.localCaller(ctx.req)) return `admin routes need an admin token when called from another host or through a proxy: ${fix}`;
  return undefined;
}
