/**
 * The `mysql` source's options, as written in config.yaml, turned into mysql2 pool options and the few
 * settings the source enforces itself (queue limit, idle timeout, session time zone).
 */
import type { ConnectionOptions, SslOptions } from 'mysql2';
import { parseDuration } from '../../core/duration.js';

/** TLS settings of a `mysql` source; `ssl: true` means TLS verified against the system's CAs. */
export interface MysqlSslOptions {
  /** PEM text of the CA certificate(s) to trust instead of the system's. */
  ca?: string;
  /** PEM text of the client certificate, for servers that require one. */
  cert?: string;
  /** PEM text of the client certificate's private key. */
  key?: string;
  /** Set to false to accept a server certificate that does not verify (testing only). Default true. */
  reject_unauthorized?: boolean;
}

/** Options of a `mysql` instance in config.yaml (see options.schema.json for the defaults). */
export interface MysqlOptions {
  /** `mysql://user:password@host:port/database`; the separate keys below override its parts. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Most connections open at once. Default 5. */
  pool_size?: number;
  /** Most queries waiting for a connection; one more fails at once. Default 50. */
  queue_limit?: number;
  /** How long connecting may take, as a duration (`5s`). Default 5s. */
  connect_timeout?: string;
  /** How long an unused connection stays open, as a duration. Default 60s. */
  idle_timeout?: string;
  ssl?: boolean | MysqlSslOptions;
  /** The zone DATETIME values are read in and the session's time_zone: `Z` (UTC, the default) or `+HH:MM`. */
  timezone?: string;
}

/** Everything a source needs from its options, checked. */
export interface MysqlSettings {
  /** mysql2 options of every connection: the pool's and the one-off ones that kill queries. */
  connection: ConnectionOptions;
  poolSize: number;
  queueLimit: number;
  idleTimeoutMs: number;
  /** The session time_zone to set on every connection, like `+00:00`. */
  sessionTimeZone: string;
}

const DEFAULTS = { pool_size: 5, queue_limit: 50, connect_timeout: '5s', idle_timeout: '60s', timezone: 'Z' } as const;
const TIMEZONE = /^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

/**
 * Reads and checks the options; throws a TypeError naming the source and the option at fault.
 * @example settingsFrom({ url: 'mysql://app@db:3306/shop', pool_size: 10 }, 'shopmy').poolSize // 10
 */
export function settingsFrom(options: MysqlOptions, name: string): MysqlSettings {
  const fail = (message: string): never => {
    throw new TypeError(`mysql "${name}": ${message}`);
  };
  const fromUrl = options.url === undefined ? {} : parseUrl(options.url, fail);
  const poolSize = options.pool_size ?? DEFAULTS.pool_size;
  const queueLimit = options.queue_limit ?? DEFAULTS.queue_limit;
  if (!Number.isInteger(poolSize) || poolSize < 1) fail(`pool_size must be a whole number of at least 1; got ${JSON.stringify(poolSize)}`);
  if (!Number.isInteger(queueLimit) || queueLimit < 0) fail(`queue_limit must be a whole number of at least 0; got ${JSON.stringify(queueLimit)}`);
  const connectTimeoutMs = durationMs('connect_timeout', options.connect_timeout ?? DEFAULTS.connect_timeout, fail);
  const idleTimeoutMs = durationMs('idle_timeout', options.idle_timeout ?? DEFAULTS.idle_timeout, fail);
  const timezone = options.timezone ?? DEFAULTS.timezone;
  if (!TIMEZONE.test(timezone)) fail(`timezone must be "Z" (UTC) or an offset like "+02:00"; got ${JSON.stringify(timezone)}`);
  const port = options.port ?? fromUrl.port ?? 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port must be from 1 to 65535; got ${JSON.stringify(port)}`);
  const connection: ConnectionOptions = {
    host: options.host ?? fromUrl.host ?? 'localhost',
    port,
    user: options.user ?? fromUrl.user ?? 'root',
    connectTimeout: connectTimeoutMs,
    enableKeepAlive: true,
    timezone,
    dateStrings: false,
    decimalNumbers: true,
    supportBigNumbers: false,
    jsonStrings: true,
    rowsAsArray: true,
    // Variables are bound positionally by bindNamed; mysql2's own `:name` expansion must never run.
    namedPlaceholders: false,
    multipleStatements: false,
    // Prepared statements live on the server: keep their number per connection bounded.
    maxPreparedStatements: 100,
    charset: 'utf8mb4',
    // A dashboard never needs LOAD DATA LOCAL, and a hostile server must not be able to ask for local files.
    flags: ['-LOCAL_FILES'],
  };
  const password = options.password ?? fromUrl.password;
  if (password !== undefined) connection.password = password;
  const database = options.database ?? fromUrl.database;
  if (database !== undefined) connection.database = database;
  const ssl = sslFrom(options.ssl);
  if (ssl !== undefined) connection.ssl = ssl;
  return { connection, poolSize, queueLimit, idleTimeoutMs, sessionTimeZone: timezone === 'Z' ? '+00:00' : timezone };
}

function parseUrl(text: string, fail: (message: string) => never): { host?: string; port?: number; user?: string; password?: string; database?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('url is not a valid URL; write it like mysql://user:password@host:3306/database');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') fail(`url must start with mysql:// or mariadb://; got "${url.protocol}//"`);
  if (url.search !== '') fail('url must not carry ?parameters; write options such as ssl or timezone as their own keys');
  const parts: { host?: string; port?: number; user?: string; password?: string; database?: string } = {};
  if (url.hostname !== '') parts.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.port !== '') parts.port = Number(url.port);
  if (url.username !== '') parts.user = decodeURIComponent(url.username);
  if (url.password !== '') parts.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database !== '') parts.database = database;
  return parts;
}

function durationMs(key: string, text: string, fail: (message: string) => never): number {
  const ms = parseDuration(text);
  if (typeof ms === 'string') return fail(`${key}: ${ms}`);
  if (ms <= 0) return fail(`${key} must be longer than 0; got "${text}"`);
  return ms;
}

function sslFrom(ssl: MysqlOptions['ssl']): SslOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { rejectUnauthorized: true };
  const out: SslOptions = { rejectUnauthorized: ssl.reject_unauthorized !== false };
  if (ssl.ca !== undefined) out.ca = ssl.ca;
  if (ssl.cert !== undefined) out.cert = ssl.cert;
  if (ssl.key !== undefined) out.key = ssl.key;
  return out;
}
