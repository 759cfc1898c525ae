/**
 * The Redis side of the record store (docs/time.md, "Recorded widgets"), with `cluster.redis` and storage type
 * `redis`: each series is a sorted set `<prefix>:records:<series>` (score: the point's time in ms, member: the
 * row as JSON) beside `<prefix>:records:<series>:header` (its columns). Points are written in batches by the
 * store's flush, one script call per series; the script adds only points newer than the newest the set holds
 * (so a write that is repeated, or an instance that takes over, never interleaves points), drops those older
 * than the series records and the oldest beyond its point cap, and lets both keys expire when nobody writes
 * for the record duration. One instance writes a series at a time (`:writer`, taken for WRITER_TTL_MS and
 * renewed at each flush); the others keep their own points in memory and take over when it stops writing.
 * Redis being away costs no viewer anything: the points stay in memory, the outage is logged once, and what
 * memory still holds is written when it answers again.
 */
import { randomUUID } from 'node:crypto';
import { messageOf } from './errors.js';
import type { FieldValue } from './frame.js';
import type { Logger } from './plugin.js';
import type { Column } from './record-series.js';
import { RedisLink } from './redis-link.js';

/** The longest a Redis command of the record store may take. */
const REDIS_WAIT_MS = 2_000;
/** How long an instance stays a series' writer without writing it again. */
export const WRITER_TTL_MS = 15_000;
/** At most this many points go in one script call, so a catch-up after an outage never blocks Redis long. */
const BATCH_ROWS = 2_000;
/** At most this many points are read per command when a series is loaded (a day at 1 s is 86,400). */
const LOAD_PAGE = 10_000;

// KEYS: the set, its header, its writer. ARGV: header, ttl ms, cutoff, point cap (0: none), writer id, writer
// ttl, the time of the newest point this instance wrote before (-1: none), then time, row pairs in ascending
// time. Returns the points added; -1 when another instance is the series' writer; -2 when the set has lost points
// this instance wrote (Redis restarted without them, or the set expired). A header of other columns (the
// source's answers changed) means the points start over.
const WRITE = `
local writer = redis.call('GET', KEYS[3])
if writer and writer ~= ARGV[5] then return -1 end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6])
local header = redis.call('GET', KEYS[2])
if header and header ~= ARGV[1] then redis.call('DEL', KEYS[1]) end
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
newest = newest and tonumber(newest) or -1
if newest < tonumber(ARGV[7]) then return -2 end
local added = 0
for i = 8, #ARGV, 2 do
  local t = tonumber(ARGV[i])
  if t > newest then
    redis.call('ZADD', KEYS[1], t, ARGV[i + 1])
    newest = t
    added = added + 1
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local cap = tonumber(ARGV[4])
if cap > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1) end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return added`;

/** Where the points go: the Redis URL of `cluster.redis` and the key prefix (`cluster.prefix`). */
export interface RecordRedisOptions {
  url: string;
  prefix: string;
}

/** A batch of one series to write. */
export interface SeriesWrite {
  key: string;
  fields: Column[];
  keepMs: number;
  /** Times and rows in ascending time, all newer than `writtenUpTo`. */
  rows: { time: number; row: FieldValue[] }[];
  /** The time of the newest point this instance wrote before, -Infinity for none. */
  writtenUpTo: number;
  /** The most points the set may hold (the series' share of the byte cap), 0 for no cap. */
  maxPoints: number;
  now: number;
}

/**
 * What a write did: `written` when Redis has the rows, `other-writer` when another instance writes the series,
 * `lost` when Redis no longer has what this instance wrote before (then all it holds must be written again).
 */
export type WriteOutcome = 'written' | 'other-writer' | 'lost' | 'failed';

/** The sorted sets of recorded series in Redis. */
export class RecordRedis {
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #id = randomUUID();

  constructor(options: RecordRedisOptions & { logger: Logger }) {
    this.#prefix = `${options.prefix}:records:`;
    this.#logger = options.logger;
    this.#link = new RedisLink(options.url, {
      name: 'rtdash:records',
      waitMs: REDIS_WAIT_MS,
      logger: options.logger,
      words: {
        away: 'cluster.redis is unreachable; recorded points are kept in memory and written to it when it answers again',
        back: 'cluster.redis answers again; the recorded points held in memory are written to it',
      },
    });
  }

  /** The sorted set of a series (its header and writer keys add `:header` and `:writer`). */
  keyOf(series: string): string {
    return this.#prefix + series;
  }

  /**
   * The columns and points (oldest first) of a series no older than `from`: `found` is absent when Redis holds
   * none (or none readable); undefined when Redis fails.
   */
  async load(series: string, from: number): Promise<{ found?: { fields: Column[]; rows: FieldValue[][] } } | undefined> {
    const key = this.keyOf(series);
    const text = await this.#link.call((redis) => redis.get(`${key}:header`));
    if (text === undefined) return undefined;
    if (text === null) return {};
    // Page by score: each point has a time of its own, so the next page starts after the last one read.
    const members: string[] = [];
    let low = String(from);
    for (;;) {
      const page = await this.#link.call((redis) => redis.zrangebyscore(key, low, '+inf', 'WITHSCORES', 'LIMIT', 0, LOAD_PAGE));
      if (page === undefined) return undefined;
      for (let i = 0; i < page.length; i += 2) members.push(page[i]!);
      if (page.length < 2 * LOAD_PAGE) break;
      low = `(${page[page.length - 1]!}`;
    }
    try {
      const header = JSON.parse(text) as { fields?: Column[] };
      if (!Array.isArray(header.fields)) throw new Error('its header lists no columns');
      const rows = members.map((m) => JSON.parse(m) as FieldValue[]).filter((r) => Array.isArray(r) && r.length === header.fields!.length);
      return { found: { fields: header.fields, rows } };
    } catch (err) {
      this.#logger.warn({ key, err: messageOf(err) }, `the recorded points in Redis under ${key} are unreadable (${messageOf(err)}); starting without them, and they are replaced`);
      return {};
    }
  }

  /** Writes a series' new points in batches; `failed` (logged once until Redis answers again) leaves them to the next flush. */
  async write(batch: SeriesWrite): Promise<WriteOutcome> {
    const key = this.keyOf(batch.key);
    const header = JSON.stringify({ fields: batch.fields });
    const cutoff = batch.now - batch.keepMs;
    let start = 0;
    let upTo = batch.writtenUpTo;
    do {
      const chunk = batch.rows.slice(start, start + BATCH_ROWS);
      const args = [header, String(batch.keepMs), String(cutoff), String(batch.maxPoints), this.#id, String(WRITER_TTL_MS), String(Number.isFinite(upTo) ? upTo : -1)];
      for (const { time, row } of chunk) args.push(String(time), JSON.stringify(row));
      const added = await this.#link.call((redis) => redis.eval(WRITE, 3, key, `${key}:header`, `${key}:writer`, ...args));
      if (added === undefined) return 'failed';
      if (added === -1) return 'other-writer';
      if (added === -2) return 'lost';
      upTo = chunk[chunk.length - 1]?.time ?? upTo;
      start += BATCH_ROWS;
    } while (start < batch.rows.length);
    return 'written';
  }

  /** Lets go of being the writer of the series given (another instance takes over at once) and disconnects. */
  async close(series: readonly string[]): Promise<void> {
    const release = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
    if (!this.#link.down) await Promise.allSettled(series.map((s) => this.#link.call((redis) => redis.eval(release, 1, `${this.keyOf(s)}:writer`, this.#id))));
    this.#link.disconnect();
  }
}
