/**
 * Signing in and out: `GET /login` (the form, and the provider's button), `POST /login` (local users),
 * `GET /auth/oidc` and `GET /auth/callback` (OpenID Connect), `POST /logout`, and `GET /api/me` (who the page's
 * viewer is, with the CSRF token the page sends back on every state-changing request).
 *
 * Sign-in floods are bounded twice: per address (LOGIN_PER_ADDRESS attempts a minute) and per user name (after
 * LOCK_AFTER failures in a row the name is locked for LOCK_MS, whoever tries it), and each refusal says which.
 */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { RtdashError, messageOf } from '../errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { OidcProvider, OidcTokens } from '../auth/oidc.js';
import type { Principal } from '../auth/principal.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import type { ConnectionGate } from '../stream/connection-gate.js';
import { AddressRates } from '../stream/address-rates.js';
import { readForm } from './body.js';
import { sameText } from './csrf.js';
import { escapeHtml, nav, page } from './pages.js';
import type { Logger } from '../plugin.js';

/** Sign-in attempts one address may make a minute (all at once, then one every 6 s). */
export const LOGIN_PER_ADDRESS = 10;
/** Failed sign-ins in a row that lock a user name. */
export const LOCK_AFTER = 5;
/** How long a locked name stays locked. */
export const LOCK_MS = 15 * 60_000;
/** The short-lived cookie that ties the sign-in form to the browser that loaded it (login CSRF). */
const FORM_COOKIE = 'rtdash_login';
/** The short-lived cookie that ties a sign-in at the provider to the browser that started it (its state). */
const OIDC_COOKIE = 'rtdash_oidc';

/** Failures in a row per user name, and until when a name is locked. */
class Lockout {
  readonly #failures = new Map<string, { count: number; until: number }>();

  lockedFor(name: string, now = Date.now()): number {
    const entry = this.#failures.get(name);
    return entry !== undefined && entry.until > now ? entry.until - now : 0;
  }

  failed(name: string, now = Date.now()): void {
    const entry = this.#failures.get(name) ?? { count: 0, until: 0 };
    entry.count += 1;
    if (entry.count >= LOCK_AFTER) {
      entry.until = now + LOCK_MS;
      entry.count = 0;
    }
    this.#failures.set(name, entry);
    // Bounded: names sprayed at the form cost a fixed amount of memory.
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(name: string): void {
    this.#failures.delete(name);
  }
}

/** Whether a request came over HTTPS (directly, or as `server.public_url` says): cookies are then Secure. */
function secure(ctx: Context, publicUrl: string | undefined): boolean {
  return ctx.protocol === 'https' || (publicUrl?.startsWith('https:') ?? false);
}

/** A local path to go back to after signing in; anything else (another site, `//host`) goes to the list. */
function localPath(next: string | null | undefined): string {
  return next !== null && next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** The sign-in form. */
function loginPage(next: string, formToken: string, modes: string[], problem?: string, provider?: string): string {
  const button = provider === undefined ? '' : `<p class="login"><a class="provider" href="/auth/oidc?next=${encodeURIComponent(next)}">Sign in with ${escapeHtml(provider)}</a></p>`;
  const form = modes.includes('local')
    ? `<form method="post" action="/login" class="login"><input type="hidden" name="csrf" value="${formToken}"><input type="hidden" name="next" value="${escapeHtml(next)}">
<label>User <input name="user" autocomplete="username" required autofocus></label><label>Password <input name="password" type="password" autocomplete="current-password" required></label><button>Sign in</button></form>`
    : modes.includes('oidc')
      ? ''
      : `<p>${modes.length === 0 ? 'This server has no way of signing in: set auth.oidc, auth.users_file or auth.proxy in config.yaml (docs/auth.md).' : 'This server signs users in through its proxy.'}</p>`;
  const alert = problem === undefined ? '' : `<div class="problems" role="alert"><strong>${escapeHtml(problem)}</strong></div>`;
  return page('Sign in', `${nav()}<h1>Sign in</h1>${alert}${button}${form}<style>.login{display:grid;gap:.6rem;max-width:20rem;margin:0 12px 1rem}.login label{display:grid;gap:.2rem}</style>`);
}

/** Adds the sign-in routes. */
export function signInRoutes(router: Router, auth: Authenticator, gate: ConnectionGate, publicUrl: string | undefined, logger: Logger): void {
  const perAddress = new AddressRates(LOGIN_PER_ADDRESS / 60, 10_000, LOGIN_PER_ADDRESS);
  const lockout = new Lockout();
  const showForm = (ctx: Context, next: string, problem?: string, status = 200) => {
    const formToken = randomBytes(18).toString('base64url');
    setCookie(ctx, FORM_COOKIE, formToken, { sameSite: 'strict', path: '/login', maxAge: 15 * 60_000 });
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = loginPage(next, formToken, auth.modes, problem, auth.oidc?.label);
  };
  /** The server's address as viewers use it: server.public_url, else this request's own origin. */
  const baseUrl = (ctx: Context) => publicUrl?.replace(/\/+$/, '') ?? `${ctx.protocol}://${ctx.host}`;
  /** Where the provider sends the browser back. */
  const callbackUrl = (ctx: Context) => `${baseUrl(ctx)}/auth/callback`;
  /** Starts a session for a signed-in user: a new id every time, so a cookie planted before names nothing after. */
  const startSession = async (ctx: Context, principal: Principal, oidc?: OidcTokens) => {
    const old = auth.identify(ctx.req)?.session;
    if (old !== undefined) auth.sessions.end(old.id);
    const { cookie } = await auth.sessions.start(principal, oidc);
    setCookie(ctx, SESSION_COOKIE, cookie, { sameSite: 'lax', path: '/' });
  };
  const setCookie = (ctx: Context, name: string, value: string | null, options: { sameSite: 'lax' | 'strict'; path: string; maxAge?: number }) => {
    const https = secure(ctx, publicUrl);
    // Behind a TLS-terminating proxy (public_url https) the cookie is Secure although this hop is plain http.
    if (https) ctx.cookies.secure = true;
    ctx.cookies.set(name, value, { httpOnly: true, secure: https, overwrite: true, ...options });
  };

  router.get('/auth/oidc', async (ctx) => {
    const next = localPath(ctx.query.next?.toString());
    if (auth.oidc === undefined) throw new RtdashError('RTDASH_NOT_FOUND', 'this server has no OpenID Connect provider: auth.oidc is not set');
    let started: Awaited<ReturnType<OidcProvider['start']>>;
    try {
      started = await auth.oidc.start(callbackUrl(ctx), next);
    } catch (err) {
      return showForm(ctx, next, `Sign-in with ${auth.oidc.label} is not available: ${messageOf(err)}`, 503);
    }
    setCookie(ctx, OIDC_COOKIE, started.state, { sameSite: 'lax', path: '/auth', maxAge: 10 * 60_000 });
    ctx.redirect(started.url.href);
  });

  router.get('/auth/callback', async (ctx) => {
    if (auth.oidc === undefined) throw new RtdashError('RTDASH_NOT_FOUND', 'this server has no OpenID Connect provider: auth.oidc is not set');
    const state = ctx.cookies.get(OIDC_COOKIE);
    ctx.cookies.set(OIDC_COOKIE, null, { path: '/auth' });
    let user: Awaited<ReturnType<OidcProvider['finish']>>;
    try {
      user = await auth.oidc.finish(new URL(`${callbackUrl(ctx)}${ctx.search}`), state);
    } catch (err) {
      return showForm(ctx, '/', messageOf(err), err instanceof RtdashError ? err.status : 401);
    }
    await startSession(ctx, auth.principal(user.name, user.groups, 'oidc'), user.tokens);
    ctx.status = 303;
    ctx.redirect(user.next);
  });

  router.get('/login', (ctx) => showForm(ctx, localPath(ctx.query.next?.toString())));

  router.post('/login', async (ctx) => {
    const form = await readForm(ctx);
    const next = localPath(form.get('next'));
    const users = auth.users;
    if (users === undefined) throw new RtdashError('RTDASH_NOT_FOUND', 'this server has no local users: auth.users_file is not set');
    // Login CSRF: the form must come from this browser's own copy of it (its cookie), and from this site.
    const expected = ctx.cookies.get(FORM_COOKIE);
    const origin = ctx.get('Origin');
    if (expected === undefined || !sameText(form.get('csrf') ?? '', expected) || !gate.ownOrigin(origin, ctx.get('Host'))) {
      return showForm(ctx, next, 'The sign-in form had expired or came from another site: please sign in again.', 403);
    }
    const name = (form.get('user') ?? '').trim();
    const password = form.get('password') ?? '';
    if (!perAddress.take(gate.ipOf(ctx.req))) {
      return showForm(ctx, next, `Too many sign-in attempts from your address: at most ${LOGIN_PER_ADDRESS} a minute. Wait a minute and try again.`, 429);
    }
    const locked = lockout.lockedFor(name);
    if (locked > 0) {
      return showForm(ctx, next, `Too many failed sign-ins for "${name}": it is locked for ${Math.ceil(locked / 60_000)} more minute(s).`, 429);
    }
    let user: Awaited<ReturnType<typeof users.check>>;
    try {
      user = await users.check(name, password);
    } catch (err) {
      // The users file's problem (its path, its line) is for the operator: the log has it.
      logger.error({ err: messageOf(err), file: users.file }, 'the users file cannot be read; local sign-in is refused until it is fixed');
      return showForm(ctx, next, 'Sign-in is not available right now: the server cannot read its users file (the log says why).', 503);
    }
    if (user === undefined) {
      lockout.failed(name);
      return showForm(ctx, next, 'Wrong user name or password.', 401);
    }
    lockout.succeeded(name);
    await startSession(ctx, auth.principal(user.name, user.groups, 'local'));
    ctx.cookies.set(FORM_COOKIE, null, { path: '/login' });
    ctx.status = 303;
    ctx.redirect(next);
  });

  // Checked by the CSRF middleware like every state-changing route taken with a cookie (core/http/csrf.ts).
  router.post('/logout', async (ctx) => {
    const session = auth.identify(ctx.req)?.session;
    if (session !== undefined) auth.sessions.end(session.id);
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/' });
    // Signed in at a provider: signed out there too, when it offers that, and back to the list after.
    const atProvider = session?.oidc === undefined ? undefined : await auth.oidc?.endSessionUrl(session.oidc.idToken, `${baseUrl(ctx)}/`);
    ctx.status = 303;
    ctx.redirect(atProvider?.href ?? '/');
  });

  router.get('/api/me', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const identity = auth.identify(ctx.req);
    if (identity === undefined) {
      ctx.body = { signedIn: false, signIn: auth.modes };
      return;
    }
    const { name, groups, role, via } = identity.principal;
    ctx.body = { signedIn: true, name, groups, role, via, ...(identity.session !== undefined && { csrf: identity.session.csrf, expiresAt: new Date(identity.session.expiresAt).toISOString() }) };
  });
}
