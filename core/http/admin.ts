/** Admin routes need a bearer token from `auth.admin_tokens`; with none configured, only loopback callers pass. */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { RtdashError } from '../errors.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

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

/** Koa middleware guarding an admin route. */
export function requireAdmin(tokens: string[]) {
  const expected = tokens.map((t) => Buffer.from(t));
  return async function adminOnly(ctx: Context, next: Next): Promise<void> {
    if (expected.length === 0) {
      if (!LOOPBACK.test(ctx.req.socket.remoteAddress ?? '')) {
        throw new RtdashError('RTDASH_UNAUTHORIZED', 'admin routes need auth.admin_tokens in config.yaml when called from another host');
      }
      return next();
    }
    if (!bearerMatches(ctx, expected)) {
      throw new RtdashError('RTDASH_UNAUTHORIZED', 'send an admin token as "Authorization: Bearer TOKEN"');
    }
    return next();
  };
}
