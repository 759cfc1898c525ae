/**
 * Embed tokens: signed, expiring permission to watch one dashboard, optionally with some variables fixed.
 *
 *     v1.<base64url(JSON payload)>.<base64url(HMAC-SHA256(auth.embed_secret, "v1.<payload part>"))>
 *
 * with the payload `{ "d": dashboardId, "v"?: { name: value }, "r"?: { "f": from, "t": to }, "mr"?: ms, "iat": epochSeconds,
 * "exp": epochSeconds }`: `r` fixes the time range (range expressions, docs/time.md), `mr` bounds its length.
 * Standard JWTs signed with HS256 and the same secret are read too (core/embed-jwt.ts), so any backend with a JWT
 * library can mint one. Tokens are stateless: the server keeps no list of them, so rotating auth.embed_secret
 * revokes them all.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatDays } from './duration.js';
import { RtdashError } from './errors.js';
import { checkJwtHeader, jwtClaims } from './embed-jwt.js';

/** The version prefix of the tokens this module signs and reads. */
export const TOKEN_VERSION = 'v1';

/** The longest lifetime a token may be signed for: a token cannot be revoked on its own, so none lives forever. */
export const MAX_TOKEN_TTL_MS = 366 * 86_400_000;

/** The longest lifetime a server accepts when auth.embed_token_max_ttl is not set: 30 days. */
export const DEFAULT_EMBED_TOKEN_MAX_TTL_MS = 30 * 86_400_000;

/** How far ahead of this server's clock a token's issue time may be: the signer's clock may run a little fast. */
export const TOKEN_CLOCK_SKEW_MS = 60_000;

/** Tokens arrive in URLs; anything longer than this is not one of ours. */
const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DASHBOARD_ID = /^[a-z0-9-]+$/;
/** 9999-12-31T23:59:59Z: later `exp` values cannot be shown as a date. */
const LAST_EPOCH_SECOND = 253_402_300_799;

/** What a token grants, with times in epoch milliseconds. */
export interface EmbedClaims {
  /** The id of the one dashboard it opens. */
  dashboard: string;
  /** Variables the token fixes, with their values (empty when it fixes none). */
  vars: Record<string, string>;
  /** The time range the token fixes, as range expressions (`now-24h`, an ISO-8601 time…). */
  range?: { from: string; to: string };
  /** The longest time range (ms) a viewer with the token may ask for. */
  maxRangeMs?: number;
  issuedAt: number;
  expiresAt: number;
}

/** What to sign: the dashboard, the fixed variables and how long the token lives. */
export interface EmbedTokenRequest {
  dashboard: string;
  vars?: Record<string, string>;
  /** A time range to fix: viewers get this one and no other. */
  range?: { from: string; to: string };
  /** The longest time range (ms) viewers may ask for. */
  maxRangeMs?: number;
  ttlMs: number;
  /** The signing time in epoch ms (default: now). */
  now?: number;
}

/**
 * Signs a token. `exp` is rounded up to the next whole second, so the token lives at least `ttlMs`.
 * @example signEmbedToken(secret, { dashboard: 'shop', vars: { region: 'eu' }, ttlMs: 3_600_000 }) // 'v1.eyJk….Xk3…'
 */
export function signEmbedToken(secret: string, request: EmbedTokenRequest): string {
  if (secret === '') throw new RangeError('an embed token needs a non-empty secret');
  if (!DASHBOARD_ID.test(request.dashboard)) throw new RangeError(`"${request.dashboard}" is not a dashboard id`);
  if (!(request.ttlMs > 0 && request.ttlMs <= MAX_TOKEN_TTL_MS)) throw new RangeError(`a token's lifetime must be more than 0 and at most 366 days; got ${request.ttlMs} ms`);
  const now = request.now ?? Date.now();
  const vars = request.vars ?? {};
  if (request.maxRangeMs !== undefined && !(Number.isSafeInteger(request.maxRangeMs) && request.maxRangeMs > 0)) throw new RangeError(`a token's longest range must be a whole number of ms over 0; got ${request.maxRangeMs}`);
  const range = request.range === undefined ? {} : { r: { f: request.range.from, t: request.range.to } };
  const maxRange = request.maxRangeMs === undefined ? {} : { mr: request.maxRangeMs };
  const payload = { d: request.dashboard, ...(Object.keys(vars).length > 0 && { v: vars }), ...range, ...maxRange, iat: Math.floor(now / 1000), exp: Math.ceil((now + request.ttlMs) / 1000) };
  const signed = `${TOKEN_VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signed}.${mac(secret, signed).toString('base64url')}`;
}

/**
 * Checks a token's form and signature and reads its claims, whatever its expiry. Throws RTDASH_TOKEN_INVALID
 * saying what is wrong (malformed, bad signature).
 */
export function decodeEmbedToken(token: string, secret: string): EmbedClaims {
  if (token.length > MAX_TOKEN_LENGTH) throw malformed(`it is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed('expected three parts separated by dots: v1.PAYLOAD.SIGNATURE, or a JWT');
  const [version, body, signature] = parts as [string, string, string];
  const jwt = version !== TOKEN_VERSION;
  // A JWT's header is read before its signature is checked, only to refuse any algorithm but HS256 with a clear reason.
  if (jwt) checkJwtHeader(version);
  if (!BASE64URL.test(body) || !BASE64URL.test(signature)) throw malformed('its payload and signature must be base64url text');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, `${version}.${body}`);
  // Base64url has several spellings of the same bytes; only the canonical one is the token that was signed.
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString('base64url') !== signature) {
    throw new RtdashError('RTDASH_TOKEN_INVALID', 'the embed token has a bad signature: it was not signed with this server\'s auth.embed_secret, or it was changed after signing');
  }
  // Only payloads signed with the secret get here, so these checks catch a signer's bug, not an attacker.
  const payload = jsonObject(body, 'payload');
  if (jwt) return jwtClaims(payload);
  const { d, v, r, mr, iat, exp } = payload;
  if (typeof d !== 'string' || !DASHBOARD_ID.test(d)) throw malformed('its payload has no dashboard id "d"');
  if (!isEpochSecond(iat) || !isEpochSecond(exp)) throw malformed('its payload needs "iat" and "exp" as whole epoch seconds');
  if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) throw malformed('its variables "v" are not an object');
  const entries = Object.entries(v ?? {});
  for (const [name, value] of entries) if (typeof value !== 'string') throw malformed(`its variable "${name}" is not a string`);
  const range = r === undefined ? undefined : rangeClaim(r);
  if (mr !== undefined && !(Number.isSafeInteger(mr) && (mr as number) > 0)) throw malformed('its longest range "mr" is not a whole number of milliseconds over 0');
  // fromEntries defines properties, so even a "__proto__" name stays a plain key.
  return {
    dashboard: d,
    vars: Object.fromEntries(entries) as Record<string, string>,
    ...(range === undefined ? {} : { range }),
    ...(mr === undefined ? {} : { maxRangeMs: mr as number }),
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
  };
}

/** A base64url JSON object of a token, or RTDASH_TOKEN_INVALID naming the `part`. */
export function jsonObject(text: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = BASE64URL.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`its ${part} is not a base64url JSON object`);
  return value as Record<string, unknown>;
}

function rangeClaim(r: unknown): { from: string; to: string } {
  const { f, t } = (typeof r === 'object' && r !== null && !Array.isArray(r) ? r : {}) as Record<string, unknown>;
  if (typeof f !== 'string' || typeof t !== 'string') throw malformed('its range "r" is not {"f": from, "t": to} with two strings');
  return { from: f, to: t };
}

/**
 * RTDASH_TOKEN_INVALID when a token lives longer than `maxTtlMs` (from `iat` to `exp`) or was issued more than
 * TOKEN_CLOCK_SKEW_MS after `now`; undefined when its lifetime is acceptable. A leaked token can be
 * stopped only by rotating the secret, so a server bounds how long one may live whatever its signer asked for.
 */
export function lifetimeError(claims: EmbedClaims, maxTtlMs: number, now = Date.now()): RtdashError | undefined {
  if (claims.issuedAt > now + TOKEN_CLOCK_SKEW_MS) {
    return new RtdashError('RTDASH_TOKEN_INVALID', `the embed token is issued in the future (${new Date(claims.issuedAt).toISOString()}, ${Math.round((claims.issuedAt - now) / 1000)} s after this server's clock; at most ${TOKEN_CLOCK_SKEW_MS / 1000} s are allowed): check the clock of the machine that signs tokens`);
  }
  // iat is rounded down and exp up to whole seconds at signing, so a token signed for exactly the maximum is up to a second longer.
  if (claims.expiresAt - claims.issuedAt > Math.ceil(maxTtlMs / 1000) * 1000 + 1000) {
    return new RtdashError('RTDASH_TOKEN_INVALID', `the embed token lives ${formatDays(claims.expiresAt - claims.issuedAt)}, longer than this server accepts (auth.embed_token_max_ttl: ${formatDays(maxTtlMs)}); sign a shorter one`);
  }
  return undefined;
}

/**
 * Checks a token completely: form, signature, lifetime (at most `maxTtlMs`, 30 days by default, and not issued
 * in the future), expiry and, when `dashboard` is given, that it is for that dashboard. Throws
 * RTDASH_TOKEN_INVALID, RTDASH_TOKEN_EXPIRED or RTDASH_TOKEN_FORBIDDEN.
 * @example verifyEmbedToken(token, secret, { dashboard: 'shop' }).vars // { region: 'eu' }
 */
export function verifyEmbedToken(token: string, secret: string, options: { dashboard?: string; now?: number; maxTtlMs?: number } = {}): EmbedClaims {
  const claims = decodeEmbedToken(token, secret);
  const wrong = lifetimeError(claims, options.maxTtlMs ?? DEFAULT_EMBED_TOKEN_MAX_TTL_MS, options.now);
  if (wrong !== undefined) throw wrong;
  if ((options.now ?? Date.now()) >= claims.expiresAt) throw expiredError(claims);
  if (options.dashboard !== undefined && options.dashboard !== claims.dashboard) throw forbiddenError(claims, options.dashboard);
  return claims;
}

/** The RTDASH_TOKEN_EXPIRED error for a token, naming when it expired. */
export function expiredError(claims: EmbedClaims): RtdashError {
  return new RtdashError('RTDASH_TOKEN_EXPIRED', `the embed token expired at ${new Date(claims.expiresAt).toISOString()}; get a new one`);
}

/** The RTDASH_TOKEN_FORBIDDEN error for a token used on another dashboard than its own. */
export function forbiddenError(claims: EmbedClaims, dashboard: string): RtdashError {
  return new RtdashError('RTDASH_TOKEN_FORBIDDEN', `the embed token is for dashboard "${claims.dashboard}", not "${dashboard.slice(0, 64)}"`);
}

function mac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text).digest();
}

export function malformed(why: string): RtdashError {
  return new RtdashError('RTDASH_TOKEN_INVALID', `the embed token is malformed: ${why}`);
}

export function isEpochSecond(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= LAST_EPOCH_SECOND;
}
