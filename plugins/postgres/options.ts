/**
 * The `postgres` options as written in config.yaml, and how they become node-postgres settings. The schema
 * (options.schema.json) has already checked them; this adds what a schema cannot say and fails fast with a
 * message that names the source.
 */
import type { ClientConfig, PoolConfig } from 'pg';
import { parseDuration } from '../../core/duration.js';

/** Options of a `postgres` instance in config.yaml (snake_case, as written there). */
export interface PostgresOptions {
  /** Connection string, e.g. `postgres://rtdash@db/shop`; not combined with the separate fields. */
  url?: string;
  /** Server host, or the directory of a Unix socket. */
  host?: string;
  /** Server port. */
  port?: number;
  /** Database name. */
  database?: string;
  /** Role to connect as. */
  user?: string;
  /** Password of the role. */
  password?: string;
  /** Most query connections open at once. Default 5. */
  pool_size?: number;
  /** Wait for a new or a free connection, as a duration. Default `5s`. */
  connect_timeout?: string;
  /** An unused connection closes after this duration. Default `30s`. */
  idle_timeout?: string;
  /** TLS: off, on with the system's CAs, or tuned. */
  ssl?: boolean | { reject_unauthorized?: boolean; ca?: string };
  /** Shown in pg_stat_activity. Default `rtdash`. */
  application_name?: string;
  /** A server-side time-out on every statement, as a duration. */
  statement_timeout?: string;
  /** Session time zone (IANA name). Default `UTC`. */
  time_zone?: string;
}

/** Defaults of the options the schema leaves optional. */
export const DEFAULTS = Object.freeze({
  pool_size: 5,
  connect_timeout: '5s',
  idle_timeout: '30s',
  application_name: 'rtdash',
  time_zone: 'UTC',
});

const SEPARATE_FIELDS = ['host', 'port', 'database', 'user', 'password'] as const;
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/**
 * node-postgres pool settings for one source. Throws a TypeError naming the source when options contradict
 * each other or a duration does not parse (the schema usually catches that first).
 * @example poolConfig('shopdb', { url: 'postgres://rtdash@db/shop', pool_size: 10 }).max // 10
 */
export function poolConfig(name: string, options: PostgresOptions): PoolConfig {
  const fail = (message: string): never => {
    throw new TypeError(`postgres "${name}": ${message}`);
  };
  const mixed = SEPARATE_FIELDS.filter((key) => options[key] !== undefined);
  // pg lets a connection string silently override the separate fields; refuse the ambiguity instead.
  if (options.url !== undefined && mixed.length > 0) {
    fail(`give either url or ${SEPARATE_FIELDS.join('/')}, not both (found url and ${mixed.join(', ')})`);
  }
  if (options.url !== undefined) checkUrl(options.url, fail);
  const duration = (key: 'connect_timeout' | 'idle_timeout' | 'statement_timeout', fallback?: string): number | undefined => {
    const text = options[key] ?? fallback;
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (typeof ms === 'string' || ms < 0) return fail(`${key}: ${typeof ms === 'string' ? ms : `must not be negative; got "${text}"`}`);
    return ms;
  };
  const timeZone = options.time_zone ?? DEFAULTS.time_zone;
  if (!TIME_ZONE.test(timeZone)) fail(`time_zone: expected an IANA name such as Europe/Paris; got ${JSON.stringify(timeZone)}`);
  const statementTimeout = duration('statement_timeout');
  const config: PoolConfig = {
    ...(options.url === undefined ? {} : { connectionString: options.url }),
    ...Object.fromEntries(SEPARATE_FIELDS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]])),
    max: options.pool_size ?? DEFAULTS.pool_size,
    connectionTimeoutMillis: duration('connect_timeout', DEFAULTS.connect_timeout),
    idleTimeoutMillis: duration('idle_timeout', DEFAULTS.idle_timeout),
    application_name: options.application_name ?? DEFAULTS.application_name,
    // ISO dates and a known zone make the text of time values parseable without guessing (see type-mapping.ts).
    options: `-c TimeZone=${timeZone} -c DateStyle=ISO,MDY`,
    // Keep-alives find a connection that died without a word (a dropped network, a failed-over host).
    keepAlive: true,
    ...(statementTimeout === undefined ? {} : { statement_timeout: statementTimeout }),
  };
  const ssl = options.ssl;
  if (ssl === true) config.ssl = true;
  else if (typeof ssl === 'object') {
    config.ssl = { rejectUnauthorized: ssl.reject_unauthorized ?? true, ...(ssl.ca === undefined ? {} : { ca: ssl.ca }) };
  }
  return config;
}

/**
 * Refuses a connection string node-postgres would only fail on at the first query (or read wrongly), like
 * `postgres://u:pw@[bad/db`. The message never repeats the string: it may hold a password.
 */
function checkUrl(text: string, fail: (message: string) => never): void {
  const example = 'write it like postgres://user:password@host:5432/database';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`url is not a valid URL (check the host, the port and that special characters in the password are %-encoded); ${example}`);
  }
  if (!['postgres:', 'postgresql:', 'socket:'].includes(url.protocol)) fail(`url must start with postgres:// or postgresql://; got "${url.protocol.slice(0, 20)}//"`);
}

/** The settings of a single connection outside the pool (the listener, a cancel request): the pool's minus pool-only keys. */
export function clientConfig(pool: PoolConfig): ClientConfig {
  const { max: _max, idleTimeoutMillis: _idle, ...client } = pool;
  return client;
}
