/**
 * Embed tokens as standard JWTs (RFC 7519), so any backend can mint one with its JWT library: HS256 with
 * auth.embed_secret as the key, and the claims
 *
 *     { "dashboard": "shop", "vars"?: { "region": "eu" }, "range"?: { "from": "now-24h", "to": "now" },
 *       "iat": epochSeconds, "exp": epochSeconds, "nbf"?: epochSeconds }
 *
 * The signature is the same HMAC-SHA256 as rtdash's own v1 tokens (core/embed-token.ts checks it); this module reads
 * the header, which must say HS256 (never `none`, never a public-key algorithm, whose "public" key would be the
 * shared secret), and the claims.
 */
import type { EmbedClaims } from './embed-token.js';
import { isEpochSecond, jsonObject, malformed } from './embed-token.js';

const DASHBOARD_ID = /^[a-z0-9-]+$/;

/** Refuses a JWT header that is not `{"alg":"HS256"}` (with `typ` JWT, if any). */
export function checkJwtHeader(part: string): void {
  const header = jsonObject(part, 'header (a JWT header, or "v1" for an rtdash token)');
  if (header['alg'] !== 'HS256') throw malformed(`a JWT must be signed with HS256 and auth.embed_secret; this one says alg ${JSON.stringify(header['alg'] ?? null)}`);
  if (header['typ'] !== undefined && header['typ'] !== 'JWT') throw malformed(`a JWT's typ must be "JWT"; this one says ${JSON.stringify(header['typ'])}`);
  if (header['crit'] !== undefined) throw malformed('its header has "crit" extensions, which this server does not know');
}

/** The claims of a JWT whose signature was checked. */
export function jwtClaims(payload: Record<string, unknown>): EmbedClaims {
  const { dashboard, vars, range, iat, exp, nbf } = payload;
  if (typeof dashboard !== 'string' || !DASHBOARD_ID.test(dashboard)) throw malformed('its claims have no dashboard id "dashboard"');
  if (!isEpochSecond(iat) || !isEpochSecond(exp)) throw malformed('its claims need "iat" and "exp" as whole epoch seconds');
  if (nbf !== undefined && (!isEpochSecond(nbf) || nbf * 1000 > Date.now() + 60_000)) throw malformed('it is not valid yet ("nbf" is in the future)');
  if (vars !== undefined && (typeof vars !== 'object' || vars === null || Array.isArray(vars))) throw malformed('its "vars" claim is not an object');
  const entries = Object.entries(vars ?? {});
  for (const [name, value] of entries) if (typeof value !== 'string') throw malformed(`its variable "${name}" is not a string`);
  let fixed: { from: string; to: string } | undefined;
  if (range !== undefined) {
    const { from, to } = (typeof range === 'object' && range !== null && !Array.isArray(range) ? range : {}) as Record<string, unknown>;
    if (typeof from !== 'string' || typeof to !== 'string') throw malformed('its "range" claim is not {"from": …, "to": …} with two strings');
    fixed = { from, to };
  }
  // fromEntries defines properties, so even a "__proto__" name stays a plain key.
  return { dashboard, vars: Object.fromEntries(entries) as Record<string, string>, ...(fixed === undefined ? {} : { range: fixed }), issuedAt: iat * 1000, expiresAt: exp * 1000 };
}
