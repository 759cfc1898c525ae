/**
 * The options of a `type: redis` source (options.schema.json) → the ioredis options of its connections.
 * The ioredis settings here are what makes an outage fail fast and heal by itself; see README "Outages".
 */
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { parseDuration } from '../../core/duration.js';

/** Options of a redis instance in config.yaml. */
export interface RedisSourceOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. Options given beside it win. */
  url?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 6379. */
  port?: number;
  /** Logical database. Default 0. */
  db?: number;
  /** ACL user (Redis 6+). */
  username?: string;
  password?: string;
  /** `true`, or settings for a server certificate that system CAs do not vouch for. */
  tls?: boolean | { ca?: string; servername?: string; reject_unauthorized?: boolean };
  /** How long one connection attempt may take, e.g. `5s`. Default 5s. */
  connect_timeout?: string;
  /** Put in front of every key a query names (not of pub/sub channels). */
  key_prefix?: string;
  /** Let the source turn on keyspace notifications (CONFIG SET notify-keyspace-events) for `listen: { keys }`. Default false. */
  enable_keyspace_events?: boolean;
}

/** What the source needs from its options, resolved once. */
export interface ResolvedOptions {
  /** Options shared by the command and subscriber connections. */
  ioredis: RedisOptions;
  db: number;
  /** host:port, for log lines (never with credentials). */
  address: string;
  connectTimeoutMs: number;
  keyPrefix: string;
  enableKeyspaceEvents: boolean;
}

/** The connect timeout when the options set none. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** The longest wait between two reconnection attempts. */
export const MAX_RETRY_DELAY_MS = 2000;

/**
 * Delay before reconnection attempt `attempt` (1, 2, …): doubling from 50 ms up to MAX_RETRY_DELAY_MS, with a
 * little jitter so several rtdash instances do not reconnect in lockstep after a Redis restart.
 */
export function retryDelay(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RETRY_DELAY_MS);
  return Math.round(base * (0.9 + Math.random() * 0.1));
}

/**
 * Checks and resolves the options; throws with a message naming the option when one is unusable.
 * @example resolveOptions('live', { url: 'redis://cache:6379/2' }).db // 2
 */
export function resolveOptions(name: string, options: RedisSourceOptions): ResolvedOptions {
  const fromUrl = options.url === undefined ? {} : parseUrl(name, options.url);
  const host = options.host ?? fromUrl.host ?? '127.0.0.1';
  const port = options.port ?? fromUrl.port ?? 6379;
  const db = options.db ?? fromUrl.db ?? 0;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`redis "${name}": "port" must be an integer from 1 to 65535; got ${JSON.stringify(port)}`);
  if (!Number.isInteger(db) || db < 0) throw new TypeError(`redis "${name}": "db" must be a non-negative integer; got ${JSON.stringify(db)}`);
  const connectTimeoutMs = options.connect_timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : parseDuration(options.connect_timeout);
  if (typeof connectTimeoutMs === 'string' || connectTimeoutMs <= 0) {
    throw new TypeError(`redis "${name}": "connect_timeout" must be a positive duration like 5s; got ${JSON.stringify(options.connect_timeout)}`);
  }
  const username = options.username ?? fromUrl.username;
  const password = options.password ?? fromUrl.password;
  const tls = tlsOptions(options.tls ?? (fromUrl.tls === true ? true : undefined));
  const ioredis: RedisOptions = {
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { tls }),
    connectTimeout: connectTimeoutMs,
    connectionName: `rtdash:${name.replace(/[^\w.:-]/g, '_')}`,
    // create() must never throw for an unreachable server: the source connects itself, in the background.
    lazyConnect: true,
    // While disconnected a command fails at once instead of waiting in a queue that grows without bound…
    enableOfflineQueue: false,
    // …and a command in flight when the connection drops fails then, rather than being resent later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The subscriber re-subscribes what its widgets need now on every `ready`, so ioredis must not replay its own list.
    autoResubscribe: false,
    retryStrategy: retryDelay,
    // RESP2 replies have one shape on every server (RESP3 nests ZRANGE WITHSCORES, for one), and pub/sub
    // stays on its own connection anyway.
    protocol: 2,
    keepAlive: 10_000,
  };
  return { ioredis, db, address: `${host}:${port}`, connectTimeoutMs, keyPrefix: options.key_prefix ?? '', enableKeyspaceEvents: options.enable_keyspace_events ?? false };
}

interface UrlParts {
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: boolean;
}

function parseUrl(name: string, text: string): UrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may hold a password: say what is wrong without repeating it.
    throw new TypeError(`redis "${name}": "url" is not a valid URL; write it like redis://user:password@host:6379/0`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`redis "${name}": "url" must start with redis:// or rediss://; got "${url.protocol.slice(0, 20)}//"`);
  }
  const parts: UrlParts = { tls: url.protocol === 'rediss:' };
  if (url.hostname !== '') parts.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.port !== '') parts.port = Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '') {
    if (!/^\d+$/.test(path)) throw new TypeError(`redis "${name}": the path of "url" must be a database number, like redis://host:6379/2; got /${path}`);
    parts.db = Number(path);
  }
  if (url.username !== '') parts.username = decodeURIComponent(url.username);
  if (url.password !== '') parts.password = decodeURIComponent(url.password);
  return parts;
}

function tlsOptions(tls: RedisSourceOptions['tls']): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.reject_unauthorized ?? true,
  };
}
