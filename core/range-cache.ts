/**
 * The cache of fixed (absolute) time ranges (docs/time.md, "Caching"): the frame a widget's query gave for a
 * range that has ended does not change, so it is kept and later viewers of the same range get it without a
 * query. In memory, least recently used first out, bounded by bytes (`cache.range_max_bytes`); with
 * `cluster.redis` also in Redis under `<prefix>:range-cache:<hash>`, so every instance shares it. Redis being
 * away never costs a viewer more than a short wait: the memory cache goes on, and the outage is logged once.
 */
import { createHash } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { RedisLink } from './redis-link.js';
import { checkFrame, type Frame } from './frame.js';
import type { Metrics } from './metrics.js';
import type { Logger } from './plugin.js';
import type { ServerConfig } from './model.js';
import { DEFAULT_CLUSTER } from './config/index.js';

/** The memory cache's size when `cache.range_max_bytes` is not set: 64 MiB. */
export const DEFAULT_RANGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** How long an entry lives in Redis when `cache.range_ttl` is not set: one day. */
export const DEFAULT_RANGE_CACHE_TTL_MS = 86_400_000;
/** The longest a Redis command may take before the cache goes on without it. */
const REDIS_WAIT_MS = 500;

/** Where the cache keeps entries and how much. */
export interface RangeCacheOptions {
  maxBytes: number;
  ttlMs: number;
  /** With `cluster.redis`: its URL and the key prefix (`cluster.prefix`). */
  redis?: { url: string; prefix: string } | undefined;
  metrics: Metrics;
  logger: Logger;
}

/** Cached frames by key: (dashboard version, widget, variable values used, absolute range). */
export class RangeCache {
  /** Key → the frame as JSON; a Map iterates in insertion order, so the first entry is the least recently used. */
  readonly #entries = new Map<string, string>();
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  readonly #redis: RedisLink | undefined;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #hits: Counter<'tier'>;
  readonly #misses: Counter;
  readonly #skipped: Counter<'reason'>;

  constructor(options: RangeCacheOptions) {
    this.#maxBytes = options.maxBytes;
    this.#ttlMs = options.ttlMs;
    this.#logger = options.logger;
    this.#prefix = `${options.redis?.prefix ?? 'rtdash'}:range-cache:`;
    const registers = [options.metrics.registry];
    const cache = this;
    this.#hits = new Counter({ name: 'rtdash_range_cache_hits_total', help: 'Fixed-range results served from the cache instead of a query, by where they were found (memory, redis)', labelNames: ['tier'], registers });
    this.#misses = new Counter({ name: 'rtdash_range_cache_misses_total', help: 'Fixed-range results not in the cache: the query ran', registers });
    this.#skipped = new Counter({ name: 'rtdash_range_cache_not_stored_total', help: 'Fixed-range results not cached, by reason (too_large: over cache.range_max_bytes)', labelNames: ['reason'], registers });
    new Gauge({ name: 'rtdash_range_cache_bytes', help: 'Bytes of fixed-range results held in memory (at most cache.range_max_bytes)', registers, collect() { this.set(cache.#bytes); } });
    new Gauge({ name: 'rtdash_range_cache_entries', help: 'Fixed-range results held in memory', registers, collect() { this.set(cache.#entries.size); } });
    if (options.redis !== undefined) {
      this.#redis = new RedisLink(options.redis.url, {
        name: 'rtdash:range-cache',
        waitMs: REDIS_WAIT_MS,
        logger: options.logger,
        words: {
          away: 'cluster.redis is unreachable; the time-range cache goes on in memory only, not shared with other instances',
          back: 'cluster.redis answers again; the time-range cache is shared again',
        },
      });
    }
  }

  /** Bytes held in memory. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The frame cached for `key`, from memory or else from Redis; undefined (a miss) when neither has it. */
  async get(key: string): Promise<Frame | undefined> {
    const local = this.#entries.get(key);
    if (local !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, local); // now the most recently used
      this.#hits.inc({ tier: 'memory' });
      return JSON.parse(local) as Frame;
    }
    const shared = await this.#redisGet(key);
    const frame = shared === undefined ? undefined : readFrame(shared);
    if (shared !== undefined && frame !== undefined) {
      this.#remember(key, shared);
      this.#hits.inc({ tier: 'redis' });
      return frame;
    }
    this.#misses.inc();
    return undefined;
  }

  /**
   * Keeps a successful result. One larger than the whole cache is not kept (it would push out everything else
   * and still not fit); the least recently used entries make room for the rest.
   */
  set(key: string, frame: Frame): void {
    const json = JSON.stringify(frame);
    if (Buffer.byteLength(json) > this.#maxBytes) {
      this.#skipped.inc({ reason: 'too_large' });
      this.#logger.debug({ key, bytes: Buffer.byteLength(json), max: this.#maxBytes }, 'a fixed-range result is larger than cache.range_max_bytes; not cached');
      return;
    }
    this.#remember(key, json);
    if (this.#redis !== undefined) void this.#redis.call((redis) => redis.set(this.#redisKey(key), json, 'PX', this.#ttlMs));
  }

  /** Ends the Redis connection. */
  close(): void {
    this.#redis?.disconnect();
  }

  #remember(key: string, json: string): void {
    const size = Buffer.byteLength(json);
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= Buffer.byteLength(old);
    }
    while (this.#bytes + size > this.#maxBytes && this.#entries.size > 0) {
      const [oldest, text] = this.#entries.entries().next().value as [string, string];
      this.#entries.delete(oldest);
      this.#bytes -= Buffer.byteLength(text);
    }
    this.#entries.set(key, json);
    this.#bytes += size;
  }

  async #redisGet(key: string): Promise<string | undefined> {
    if (this.#redis === undefined) return undefined;
    const text = await this.#redis.call((redis) => redis.get(this.#redisKey(key)));
    return typeof text === 'string' && Buffer.byteLength(text) <= this.#maxBytes ? text : undefined;
  }


  #redisKey(key: string): string {
    return this.#prefix + createHash('sha256').update(key).digest('base64url');
  }
}

/** The frame a Redis entry holds, or undefined when it holds none (written by something else under our prefix): then the query runs. */
function readFrame(text: string): Frame | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return checkFrame(value) === undefined ? (value as Frame) : undefined;
  } catch {
    return undefined;
  }
}

/** The cache a server's config asks for: `cache.*` bounds, shared through `cluster.redis` when set. */
export function rangeCacheFor(config: Pick<ServerConfig, 'cache' | 'cluster'>, metrics: Metrics, logger: Logger): RangeCache {
  return new RangeCache({
    maxBytes: config.cache?.rangeMaxBytes ?? DEFAULT_RANGE_CACHE_MAX_BYTES,
    ttlMs: config.cache?.rangeTtlMs ?? DEFAULT_RANGE_CACHE_TTL_MS,
    redis: config.cluster.redis === undefined ? undefined : { url: config.cluster.redis, prefix: config.cluster.prefix ?? DEFAULT_CLUSTER.prefix },
    metrics,
    logger,
  });
}
