/** `rtdash token create`: signs an embed token for one dashboard, for a web site to pass to `<rt-dashboard token="…">`. */
import { existsSync } from 'node:fs';
import { ConfigError, dashboardContext, loadDashboardDir, loadServerConfig } from '../../core/config/index.js';
import { didYouMean, listNames } from '../../core/config/suggest.js';
import { formatDays, formatDuration, parseDuration } from '../../core/duration.js';
import { DEFAULT_EMBED_TOKEN_MAX_TTL_MS, MAX_TOKEN_TTL_MS, signEmbedToken } from '../../core/embed-token.js';
import { RtdashError } from '../../core/errors.js';
import { VERSION, buildRegistry } from '../../core/server.js';
import { resolveVariables } from '../../core/variables.js';
import type { Dashboard } from '../../core/model.js';
import { checkRange } from '../../core/time-range.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { USAGE_EXIT, parseCommand } from './args.js';

const USAGE = `Usage: rtdash token create --dashboard ID [--var NAME=VALUE]... [--from FROM [--to TO] | --max-range DURATION]
                           --ttl DURATION [--config FILE]

Signs an embed token with auth.embed_secret of the config. The token opens dashboard ID and no other,
until it expires. Each --var fixes a variable: viewers with the token get that value and cannot
choose another. --from (and --to, now unless given) fixes the time range of a dashboard with time:,
in range expressions such as now-24h or 2026-12-01T00:00:00Z; --max-range, such as 24h, lets viewers
choose any range up to that long instead. --ttl is how long the token lives, such as 15m, 12h or 7d: at most the config's
auth.embed_token_max_ttl (30d unless set), since the server refuses tokens that live longer.
The token alone goes to standard output, so this works:  TOKEN=$(rtdash token create --dashboard shop --ttl 1h)
The config is FILE, else $RTDASH_CONFIG, else ./config.yaml if it exists, else the embedded defaults.`;

/** A mistake in what was asked for: one line on stderr, exit code 1. */
class Refused extends Error {}

/** Runs `rtdash token …`. */
export async function tokenCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub === '--version' || sub === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (sub !== 'create') {
    console.error(`rtdash token: unknown subcommand "${sub}"; the one there is is "create"\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  const options = {
    dashboard: { type: 'string', short: 'd' },
    var: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'max-range': { type: 'string' },
    config: { type: 'string', short: 'c' },
  } as const;
  const parsed = parseCommand(rest, options, USAGE);
  if (!parsed) return 0;
  try {
    const { token, note } = await createToken({
      dashboard: parsed.values.dashboard as string | undefined,
      vars: (parsed.values.var as string[] | undefined) ?? [],
      ttl: parsed.values.ttl as string | undefined,
      from: parsed.values.from as string | undefined,
      to: parsed.values.to as string | undefined,
      maxRange: parsed.values['max-range'] as string | undefined,
      config: parsed.values.config as string | undefined,
      extra: parsed.positionals,
    });
    process.stdout.write(`${token}\n`);
    console.error(note);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof Refused || err instanceof RtdashError) console.error(`rtdash token create: ${err.message}`);
    else throw err;
    return 1;
  }
}

interface TokenArgs {
  dashboard: string | undefined;
  vars: string[];
  ttl: string | undefined;
  from: string | undefined;
  to: string | undefined;
  maxRange: string | undefined;
  config: string | undefined;
  extra: string[];
}

/** Checks everything a token will be used for before signing it: a token that cannot open its dashboard is no use. */
async function createToken(args: TokenArgs): Promise<{ token: string; note: string }> {
  if (args.extra.length > 0) throw new Refused(`unexpected argument "${args.extra[0]}"; variables are given as --var NAME=VALUE`);
  if (args.dashboard === undefined) throw new Refused('--dashboard ID is required: the dashboard the token opens');
  if (args.ttl === undefined) throw new Refused('--ttl is required: how long the token lives, such as 1h or 30d');
  const ttlMs = ttlOf(args.ttl);
  const given = varsOf(args.vars);
  const file = args.config ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const config = await loadServerConfig(file);
  const where = config.file ?? 'the embedded default config (pass --config FILE)';
  const maxTtlMs = config.auth.embedTokenMaxTtlMs ?? DEFAULT_EMBED_TOKEN_MAX_TTL_MS;
  if (ttlMs > maxTtlMs) {
    throw new Refused(`--ttl ${args.ttl} is longer than the server accepts: auth.embed_token_max_ttl is ${formatDays(maxTtlMs)} in ${where}, and it refuses tokens that live longer; use a shorter --ttl, or raise auth.embed_token_max_ttl (at most 366d)`);
  }
  const secret = config.auth.embedSecret;
  if (secret === undefined) {
    throw new Refused(`auth.embed_secret is not set in ${where}; add "auth: { embed_secret: \${RTDASH_EMBED_SECRET} }" and set RTDASH_EMBED_SECRET (openssl rand -hex 32 makes one)`);
  }
  const { registry } = await buildRegistry(builtinPlugins, config);
  const { dashboards, problems } = await loadDashboardDir(config.dashboards.dir, dashboardContext(config, registry));
  const dashboard = dashboards.find((d) => d.id === args.dashboard);
  if (dashboard === undefined) {
    const ids = dashboards.map((d) => d.id);
    const broken = problems.length > 0 ? `; ${problems.length} problem${problems.length === 1 ? '' : 's'} in that folder (rtdash validate lists them)` : '';
    throw new Refused(`no dashboard "${args.dashboard}" in ${config.dashboards.dir}${didYouMean(args.dashboard, ids)} (dashboards there: ${listNames(ids)})${broken}`);
  }
  // The same check a viewer's values get, so a token never fixes a value the server would refuse.
  resolveVariables(dashboard, given);
  // One clock reading for both, so the printed expiry is the token's own even across a second boundary.
  const now = Date.now();
  const { range, maxRangeMs } = rangeOf(args, dashboard, now);
  const token = signEmbedToken(secret, { dashboard: dashboard.id, vars: given, ...(range && { range }), ...(maxRangeMs && { maxRangeMs }), ttlMs, now });
  const expires = new Date(Math.ceil((now + ttlMs) / 1000) * 1000).toISOString();
  const fixed = Object.entries(given).map(([k, v]) => `${k}=${v}`).join(', ');
  const open = dashboard.access === 'public' ? ' (the dashboard is access: public, so it opens without a token too)' : '';
  const limits = range !== undefined ? `, range ${range.from} .. ${range.to} fixed` : maxRangeMs !== undefined ? `, ranges up to ${formatDuration(maxRangeMs)}` : '';
  return { token, note: `token for dashboard "${dashboard.id}"${fixed ? ` with ${fixed} fixed` : ''}${limits}, expires ${expires} (in ${formatDuration(ttlMs)})${open}` };
}

/** The time range the token fixes or bounds, checked against the dashboard as a viewer's would be. */
function rangeOf(args: TokenArgs, dashboard: Dashboard, now: number): { range?: { from: string; to: string }; maxRangeMs?: number } {
  if (args.from === undefined && args.to === undefined && args.maxRange === undefined) return {};
  if (dashboard.time === undefined) throw new Refused(`dashboard "${dashboard.id}" has no time range (no "time:" in its file), so a token cannot fix or bound one; leave out --from, --to and --max-range`);
  if (args.maxRange !== undefined && (args.from !== undefined || args.to !== undefined)) throw new Refused('give --from/--to (a fixed range) or --max-range (a bound), not both');
  if (args.maxRange !== undefined) {
    const ms = parseDuration(args.maxRange);
    if (typeof ms === 'string') throw new Refused(`--max-range: ${ms}`);
    if (ms < 1000) throw new Refused(`--max-range must be at least 1s; got "${args.maxRange}"`);
    return { maxRangeMs: ms };
  }
  if (args.from === undefined) throw new Refused('--to needs --from: the start of the range the token fixes');
  const range = { from: args.from, to: args.to ?? 'now' };
  checkRange(dashboard.id, dashboard.time, range, now); // a bad expression, from after to, over max: RTDASH_RANGE_INVALID
  return { range };
}

function ttlOf(text: string): number {
  const ms = parseDuration(text);
  if (typeof ms === 'string') throw new Refused(`--ttl: ${ms}`);
  if (ms <= 0) throw new Refused(`--ttl must be more than 0; got "${text}"`);
  if (ms > MAX_TOKEN_TTL_MS) throw new Refused(`--ttl must be at most 366d (a token cannot be revoked on its own; changing auth.embed_secret revokes them all); got "${text}"`);
  return ms;
}

function varsOf(pairs: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Refused(`--var must be NAME=VALUE; got "${pair}"`);
    const name = pair.slice(0, eq);
    if (Object.hasOwn(vars, name)) throw new Refused(`--var ${name} is given twice`);
    Object.defineProperty(vars, name, { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return vars;
}
