/**
 * Who may watch which dashboard. Every route and transport asks here, so the rules cannot drift apart:
 * a token opens only its own dashboard; an `access: token` dashboard needs a token; a token's variables
 * are fixed; an invalid or expired token is refused, never ignored.
 */
import { RtdashError } from './errors.js';
import { DEFAULT_EMBED_TOKEN_MAX_TTL_MS, decodeEmbedToken, expiredError, forbiddenError, lifetimeError, type EmbedClaims } from './embed-token.js';
import type { Dashboard } from './model.js';
import type { PublicTime } from './public-dashboard.js';
import { parseDuration } from './duration.js';
import { OptionsPending, resolveVariables, type ResolveOptions } from './variables.js';
import { checkRange, resolveEnd, type RangeEnd, type RangeSpec } from './time-range.js';
import { dashboardListed, dashboardRefusal } from './auth/dashboard-rule.js';
import type { Principal } from './auth/principal.js';

/** What a verified embed token grants a connection or request. */
export type Grant = EmbedClaims;

const NO_SECRET = 'auth.embed_secret is not set in its config.yaml';

/** The embed-token rules of one server, with its secret. */
export class EmbedAccess {
  readonly #secret: string | undefined;
  readonly #maxTtlMs: number;
  /** Where query variables find their options (core/query-variables.ts). */
  #options: Pick<ResolveOptions, 'options' | 'load'> = {};

  /** @param maxTtlMs `auth.embed_token_max_ttl`: tokens that live longer are refused (30 days by default). */
  constructor(secret: string | undefined, maxTtlMs = DEFAULT_EMBED_TOKEN_MAX_TTL_MS) {
    this.#secret = secret === '' ? undefined : secret;
    this.#maxTtlMs = maxTtlMs;
  }

  /** Checks the values of query variables against the options `options` holds. */
  useOptions(options: Pick<ResolveOptions, 'options' | 'load'>): void {
    this.#options = options;
  }

  /** Whether this server can check tokens (auth.embed_secret is set). */
  get enabled(): boolean {
    return this.#secret !== undefined;
  }

  /**
   * Checks a token's form, signature and lifetime (not longer than auth.embed_token_max_ttl, not issued in
   * the future), not its expiry (each transport answers that its own way); undefined when no token was
   * given. Throws RTDASH_TOKEN_INVALID.
   */
  verify(token: string | undefined, now = Date.now()): Grant | undefined {
    if (token === undefined) return undefined;
    if (this.#secret === undefined) throw new RtdashError('RTDASH_TOKEN_INVALID', `this server cannot check embed tokens: ${NO_SECRET}`);
    const claims = decodeEmbedToken(token, this.#secret);
    const wrong = lifetimeError(claims, this.#maxTtlMs, now);
    if (wrong !== undefined) throw wrong;
    return claims;
  }

  /** `verify`, then RTDASH_TOKEN_EXPIRED for an expired token: for one-off HTTP requests. */
  live(token: string | undefined): Grant | undefined {
    const grant = this.verify(token);
    if (grant !== undefined && this.expired(grant)) throw expiredError(grant);
    return grant;
  }

  /** Whether a grant has run out. */
  expired(grant: Grant, now = Date.now()): boolean {
    return now >= grant.expiresAt;
  }

  /** Whether a dashboard appears in `principal`'s list: token dashboards are left out for everyone (core/auth/dashboard-rule.ts). */
  listed(dashboard: Dashboard, principal?: Principal): boolean {
    return dashboardListed(dashboard, principal);
  }

  /**
   * The dashboard `id` and the variable values a viewer holding `grant` (or none) gets, with the token's
   * fixed values applied. Throws RTDASH_TOKEN_EXPIRED, RTDASH_TOKEN_FORBIDDEN (checked before the dashboard
   * is looked up, so a token never learns which other dashboards exist), RTDASH_DASHBOARD_NOT_FOUND,
   * RTDASH_TOKEN_REQUIRED, RTDASH_SIGN_IN_REQUIRED or RTDASH_FORBIDDEN (for `principal`, the signed-in viewer, by
   * dashboardRefusal), RTDASH_VARIABLE_FIXED or RTDASH_VARIABLE_INVALID.
   * @example access.admit('shop', grant, (id) => store.get(id), { region: 'eu' }).variables // { region: 'eu' }
   */
  admit(id: string, grant: Grant | undefined, find: (id: string) => Dashboard | undefined, vars?: unknown, fallback = false, principal?: Principal): { dashboard: Dashboard; variables: Record<string, string> } {
    if (grant !== undefined && this.expired(grant)) throw expiredError(grant);
    if (grant !== undefined && grant.dashboard !== id) throw forbiddenError(grant, id);
    const dashboard = find(id);
    if (dashboard === undefined) throw new RtdashError('RTDASH_DASHBOARD_NOT_FOUND', `no dashboard "${String(id).slice(0, 64)}"`);
    if (dashboard.access === 'token' && grant === undefined) throw this.#tokenRequired(dashboard);
    // An embed token for this dashboard opens it whatever its access; without one, the dashboard rule decides.
    const refused = grant === undefined ? dashboardRefusal(dashboard, principal) : undefined;
    if (refused !== undefined) throw refused;
    return { dashboard, variables: resolveVariables(dashboard, withFixed(grant, vars), { ...this.#options, fallback }) };
  }

  /** `admit`, after waiting for the first read of the options of the query variables it needs. */
  async admitReady(id: string, grant: Grant | undefined, find: (id: string) => Dashboard | undefined, vars?: unknown, principal?: Principal): Promise<{ dashboard: Dashboard; variables: Record<string, string> }> {
    for (;;) {
      try {
        return this.admit(id, grant, find, vars, false, principal);
      } catch (err) {
        // Each wait ends with options read (or failed, which counts as none): the loop ends.
        if (!(err instanceof OptionsPending)) throw err;
        await err.wait;
      }
    }
  }

  /**
   * The time range a viewer holding `grant` (or none) gets on `dashboard` for what it asked (`input`: {from, to}
   * or nothing), checked with checkRange. A token that fixes the range gives that one, and refuses another with
   * RTDASH_RANGE_FORBIDDEN (the same range written otherwise, `now-1d` for `now-24h`, is the same); a token that
   * bounds it refuses a longer one, and a viewer who asked for none gets the dashboard default cut to the bound.
   * @example access.range(grant, dashboard, { from: 'now-7d', to: 'now' }) // throws when the token allows 24h
   */
  range(grant: Grant | undefined, dashboard: Dashboard, input: unknown, now = Date.now()): RangeSpec | undefined {
    const asked = input === undefined || input === null ? undefined : input;
    const fixed = grant?.range;
    if (fixed !== undefined) {
      const own = checkRange(dashboard.id, dashboard.time, fixed, now);
      if (asked === undefined) return own;
      const wanted = checkRange(dashboard.id, dashboard.time, asked, now);
      if (own !== undefined && wanted !== undefined && sameEnd(own.fromEnd, wanted.fromEnd) && sameEnd(own.toEnd, wanted.toEnd)) return own;
      throw new RtdashError('RTDASH_RANGE_FORBIDDEN', `the embed token fixes the time range to ${JSON.stringify(fixed.from)} .. ${JSON.stringify(fixed.to)}; leave the range out or send that one`);
    }
    const spec = checkRange(dashboard.id, dashboard.time, asked, now);
    const max = grant?.maxRangeMs;
    if (spec === undefined || max === undefined) return spec;
    if (resolveEnd(spec.toEnd, now) - resolveEnd(spec.fromEnd, now) <= max) return spec;
    const bound = spanIn(max, dashboard);
    if (asked === undefined) return checkRange(dashboard.id, dashboard.time, { from: `now-${bound}`, to: 'now' }, now);
    throw new RtdashError('RTDASH_RANGE_FORBIDDEN', `the range ${JSON.stringify(spec.from)} .. ${JSON.stringify(spec.to)} is longer than the embed token allows (${bound}); ask for ${bound} or less`);
  }

  /**
   * The dashboard's `time:` as a viewer holding `grant` may use it, for the definition that viewer is sent, so a
   * picker offers only what `range` accepts; undefined when the token leaves it as the dashboard has it. A token that
   * fixes the range makes it the default, with no choices and `fixed: true`; one that bounds it keeps the choices
   * within the bound, makes the bound `max` when shorter, and cuts the default as `range` does.
   * @example access.timeFor(grant, dashboard) // { default: { from: 'now-24h', to: 'now' }, choices: ['1h', '24h'], max: '24h', maxPoints: 600 }
   */
  timeFor(grant: Grant | undefined, dashboard: Dashboard, now = Date.now()): PublicTime | undefined {
    const time = dashboard.time;
    if (time === undefined || grant === undefined) return undefined;
    const own = { default: time.default, choices: time.choices, max: time.max, maxPoints: time.maxPoints };
    if (grant.range !== undefined) return { ...own, default: { ...grant.range }, choices: [], fixed: true };
    const max = grant.maxRangeMs;
    if (max === undefined) return undefined;
    const cut = this.range(grant, dashboard, undefined, now);
    return {
      ...own,
      ...(cut !== undefined && { default: { from: cut.from, to: cut.to } }),
      choices: time.choices.filter((c) => Number(parseDuration(c)) <= max),
      max: max < time.maxMs ? spanIn(max, dashboard) : time.max,
    };
  }

  #tokenRequired(dashboard: Dashboard): RtdashError {
    if (this.#secret === undefined) {
      return new RtdashError('RTDASH_TOKEN_REQUIRED', `dashboard "${dashboard.id}" is shown only with an embed token, and nobody can open it: this server cannot check tokens because ${NO_SECRET}`);
    }
    return new RtdashError('RTDASH_TOKEN_REQUIRED', `dashboard "${dashboard.id}" is shown only with an embed token for it (pass it as ?token=TOKEN; create one with rtdash token create --dashboard ${dashboard.id})`);
  }
}

/**
 * The embed token a request carries: `?token=` or, where headers can be set, `Authorization: Bearer`.
 * An empty `token=` counts as none. Throws RTDASH_BAD_MESSAGE when two different tokens are given.
 */
export function requestToken(params: URLSearchParams, authorization?: string): string | undefined {
  const inQuery = params.getAll('token').filter((t) => t !== '');
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const all = new Set([...inQuery, ...(bearer === undefined ? [] : [bearer])]);
  if (all.size > 1) throw new RtdashError('RTDASH_BAD_MESSAGE', 'the request carries more than one embed token; send one, as ?token= or as Authorization: Bearer');
  return all.values().next().value;
}

function sameEnd(a: RangeEnd, b: RangeEnd): boolean {
  return a.kind === 'relative' ? b.kind === 'relative' && a.offsetMs === b.offsetMs : b.kind === 'absolute' && a.ms === b.ms;
}

/** A length in ms as the dashboard writes it when one of its choices is that long (`24h`, not `1d`), else as spanText does. */
function spanIn(ms: number, dashboard: Dashboard): string {
  return dashboard.time?.choices.find((c) => Number(parseDuration(c)) === ms) ?? spanText(ms);
}

/** A length in ms as a range-expression duration: the largest unit that writes it whole (`24h`, `90m`, `2w`). */
export function spanText(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.floor(ms / 1000)}s`;
}

/** A viewer's variable input with the token's fixed values in; a different value for a fixed one is refused. */
function withFixed(grant: Grant | undefined, vars: unknown): unknown {
  const fixed = Object.entries(grant?.vars ?? {});
  if (fixed.length === 0) return vars;
  if (vars !== undefined && vars !== null && (typeof vars !== 'object' || Array.isArray(vars))) return vars;
  const given = (vars ?? {}) as Record<string, unknown>;
  for (const [name, value] of fixed) {
    if (Object.hasOwn(given, name) && given[name] !== value) {
      throw new RtdashError('RTDASH_VARIABLE_FIXED', `variable "${name}" is fixed to ${JSON.stringify(value)} by the embed token; leave it out or send that value`);
    }
  }
  // Spreading defines properties, so a "__proto__" key in the input stays a key (and is refused as undeclared).
  return { ...given, ...Object.fromEntries(fixed) };
}
