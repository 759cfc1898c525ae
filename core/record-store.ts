/**
 * The points of recorded widgets (docs/time.md, "Recorded widgets"): one series per recorded query, held in
 * memory within a byte cap shared by all series, and written every few seconds where a restart finds them:
 * an append log per series under `<storage.dir>/records/` (core/record-files.ts), or with `cluster.redis` a
 * sorted set per series in Redis (core/record-redis.ts), shared by the instances on it.
 */
import { join } from 'node:path';
import { messageOf } from './errors.js';
import type { FieldValue, Frame } from './frame.js';
import { RecordFiles } from './record-files.js';
import { RecordRedis, type RecordRedisOptions } from './record-redis.js';
import { loadShared, writeShared } from './record-shared.js';
import { Series, aggregate, lowerBound, sameColumns } from './record-series.js';
import type { Logger } from './plugin.js';

/** The most bytes the recorded points take in memory when `storage.record_max_mb` is not set (64 MiB). */
export const DEFAULT_RECORD_MAX_BYTES = 64 * 1024 * 1024;
/** How often new points are appended to the files. */
export const FLUSH_EVERY_MS = 5_000;
/** The folder under `storage.dir` that holds the series files. */
export const RECORDS_FOLDER = 'records';
export { FORMAT } from './record-files.js';

/** What a store needs. */
export interface RecordStoreOptions {
  /** `storage.dir`: series files go in its `records` folder. */
  dir: string;
  /** The byte cap shared by every series. */
  maxBytes?: number;
  /** With `cluster.redis` (storage type `redis`): the points go to Redis instead of the folder. */
  redis?: RecordRedisOptions | undefined;
  logger: Logger;
}

/** Every recorded series: kept in memory, written to the data folder or to Redis. */
export class RecordStore {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #series = new Map<string, Series>();
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  readonly #files: RecordFiles;
  readonly #redis: RecordRedis | undefined;
  /** Loads from Redis and writes to it under way, so that `settled()` and `close()` can wait for them. */
  readonly #busy = new Set<Promise<void>>();

  constructor(options: RecordStoreOptions) {
    this.dir = join(options.dir, RECORDS_FOLDER);
    this.maxBytes = options.maxBytes ?? DEFAULT_RECORD_MAX_BYTES;
    this.#logger = options.logger;
    this.#files = new RecordFiles(this.dir, options.logger);
    this.#redis = options.redis === undefined ? undefined : new RecordRedis({ ...options.redis, logger: options.logger });
  }

  /** The Redis key of a series' sorted set, with `cluster.redis` (for tests and the log). */
  redisKey(key: string): string | undefined {
    return this.#redis?.keyOf(key);
  }

  /** Starts writing new points every few seconds. */
  start(): void {
    this.#timer ??= setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.#timer.unref();
  }

  /** Writes what is pending, stops the timer and, with Redis, disconnects. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.settled();
    this.flush();
    await this.settled();
    await this.#redis?.close(this.keys());
  }

  /** Resolves when the loads from Redis and the writes to it under way have ended. */
  async settled(): Promise<void> {
    while (this.#busy.size > 0) await Promise.allSettled([...this.#busy]);
  }

  /** The keys of the series held. */
  keys(): string[] {
    return [...this.#series.keys()];
  }

  /**
   * Bytes a series may hold: its share of the cap, in proportion to the points it records (how long it keeps
   * them over its interval), so a widget that runs every second gets twice the room of one that runs every two.
   */
  budgetOf(key: string): number {
    const series = this.#series.get(key);
    if (series === undefined) return 0;
    let total = 0;
    for (const s of this.#series.values()) total += s.keepMs / s.intervalMs;
    return Math.floor((this.maxBytes * (series.keepMs / series.intervalMs)) / total);
  }

  /**
   * Opens a series (loading what its file holds) or updates how long it keeps its points. `label` names the
   * widgets that record it, for the file and the log.
   */
  open(key: string, label: string, keepMs: number, intervalMs: number): void {
    const known = this.#series.get(key);
    if (known !== undefined) {
      known.keepMs = keepMs;
      known.intervalMs = intervalMs;
      known.label = label;
      return;
    }
    const series = new Series(key, join(this.dir, `${key}.jsonl`), label, keepMs, intervalMs);
    this.#series.set(key, series);
    if (this.#redis === undefined) this.#files.load(series);
    else this.#track((series.loading = this.#loadShared(series, this.#redis)));
    this.#trim(series, Date.now());
  }

  /** Resolves when what Redis holds of a series is in memory (or Redis failed to answer): at once without Redis. */
  async ready(key: string): Promise<void> {
    await this.#series.get(key)?.loading?.catch(() => undefined);
  }

  /** Stops holding a series in memory (its file stays, or its Redis set for its record duration, so a widget that comes back has its points). */
  drop(key: string): void {
    const series = this.#series.get(key);
    if (series === undefined) return;
    this.#flushOne(series);
    this.#series.delete(key);
  }

  /** Adds the rows of a frame newer than the series' last one. A frame without a time field is not recorded. */
  append(key: string, frame: Frame, now: number): void {
    const series = this.#series.get(key);
    if (series === undefined) return;
    const timeIndex = frame.fields.findIndex((f) => f.type === 'time');
    if (timeIndex < 0) {
      if (!series.warnedShape) this.#logger.warn({ series: key, widgets: series.label }, `${series.label}: its source's answers have no time column, so nothing is recorded`);
      series.warnedShape = true;
      return;
    }
    const fields = frame.fields.map((f) => ({ name: f.name, type: f.type }));
    if (series.fields === undefined || !sameColumns(series.fields, fields)) {
      if (series.fields !== undefined) this.#logger.warn({ series: key, widgets: series.label }, `${series.label}: the source's columns changed; the recorded points start over`);
      series.clear(fields);
    }
    const times = frame.fields[timeIndex]!.values;
    const last = series.count > 0 ? series.times[series.times.length - 1]! : -Infinity;
    const order = times.map((_, i) => i).filter((i) => typeof times[i] === 'number' && (times[i] as number) > last);
    order.sort((a, b) => (times[a] as number) - (times[b] as number));
    for (const i of order) {
      const row = frame.fields.map((f) => f.values[i] ?? null);
      series.push(row);
      if (this.#redis === undefined) series.pending.push(row); // the Redis writer finds new rows by time
    }
    this.#trim(series, now);
  }

  /**
   * The points in (from, to]: as recorded, or with `bucketSeconds` one row per bucket (the mean of each
   * number column, the last value of the others, the bucket's start as its time), at most
   * floor((to - from) / bucket) rows, the newest kept. Undefined for a series with nothing recorded yet.
   */
  read(key: string, from: number, to: number, bucketSeconds?: number, lastRows = Infinity): Frame | undefined {
    const series = this.#series.get(key);
    if (series === undefined || series.fields === undefined) return undefined;
    const { times, columns, fields, timeIndex } = series;
    let lo = lowerBound(times, from, series.start);
    while (lo < times.length && times[lo]! <= from) lo++;
    let hi = lowerBound(times, to, lo);
    while (hi < times.length && times[hi]! <= to) hi++;
    if (hi - lo > lastRows) lo = hi - lastRows;
    const out: FieldValue[][] = fields.map(() => []);
    if (bucketSeconds === undefined) {
      columns.forEach((column, c) => (out[c] = column.slice(lo, hi)));
    } else {
      const width = bucketSeconds * 1000;
      const limit = Math.max(1, Math.floor((to - from) / width));
      const buckets: { start: number; first: number; end: number }[] = [];
      for (let r = lo; r < hi; r++) {
        const start = Math.floor(times[r]! / width) * width;
        const lastBucket = buckets[buckets.length - 1];
        if (lastBucket !== undefined && lastBucket.start === start) lastBucket.end = r + 1;
        else buckets.push({ start, first: r, end: r + 1 });
      }
      for (const b of buckets.slice(Math.max(0, buckets.length - limit))) {
        fields.forEach((f, c) => out[c]!.push(c === timeIndex ? b.start : aggregate(columns[c]!, b.first, b.end, f.type)));
      }
    }
    return { fields: fields.map((f, c) => ({ name: f.name, type: f.type, values: out[c]! })) };
  }

  /** Series, points and bytes held in memory, all series together (for /metrics). */
  totals(): { series: number; points: number; bytes: number } {
    let points = 0;
    let bytes = 0;
    for (const s of this.#series.values()) {
      points += s.count;
      bytes += s.bytes;
    }
    return { series: this.#series.size, points, bytes };
  }

  /** Rows and bytes a series holds (for tests and the log). */
  size(key: string): { rows: number; bytes: number; oldest?: number } {
    const s = this.#series.get(key);
    if (s === undefined) return { rows: 0, bytes: 0 };
    return { rows: s.count, bytes: s.bytes, ...(s.count > 0 && { oldest: s.times[s.start]! }) };
  }

  /** Writes the new points of each series: appended to its file (or the file rewritten whole), or sent to Redis. */
  flush(): void {
    for (const series of this.#series.values()) this.#flushOne(series);
  }

  /** Writes one series; a failure is logged once until a write succeeds again, and the points stay in memory. */
  #flushOne(series: Series): void {
    if (this.#redis !== undefined) {
      const redis = this.#redis;
      const write = () => (series.shared === 'loaded' && !series.writing ? this.#writeShared(series, redis) : Promise.resolve());
      // A load that failed (Redis was away) is tried again first, so its points come before these.
      if (series.shared === 'unloaded') this.#track((series.loading = this.#loadShared(series, redis)).then(write));
      else this.#track(write());
      return;
    }
    try {
      this.#files.write(series);
      series.writeFailed = false;
    } catch (err) {
      if (!series.writeFailed) this.#logger.error({ series: series.key, file: series.file, err: messageOf(err) }, `cannot write the recorded points of ${series.label}; they stay in memory and are written when the folder can be written again`);
      series.writeFailed = true;
      this.#files.folderMade = false;
      // What was half written is replaced whole (temp file + rename) at the next write that works.
      series.rewrite = true;
      series.pending = [];
    }
  }

  #track(work: Promise<void>): void {
    const done = work.catch((err: unknown) => this.#logger.error({ err: messageOf(err) }, 'recorded points: a Redis load or write failed unexpectedly')).finally(() => this.#busy.delete(done));
    this.#busy.add(done);
  }

  async #loadShared(series: Series, redis: RecordRedis): Promise<void> {
    if (await loadShared(series, redis, this.#logger, () => this.#series.get(series.key) === series)) this.#trim(series, Date.now());
  }

  #writeShared(series: Series, redis: RecordRedis): Promise<void> {
    return writeShared(series, redis, this.budgetOf(series.key));
  }

  /** Drops points older than the series keeps, then the oldest while it holds more than its share of the cap. */
  #trim(series: Series, now: number): void {
    const cutoff = now - series.keepMs;
    while (series.count > 0 && series.times[series.start]! < cutoff) series.dropOldest();
    const budget = this.budgetOf(series.key);
    if (series.bytes > budget) {
      if (!series.warnedBudget) {
        const heldMs = series.count > 1 ? series.times[series.times.length - 1]! - series.times[series.start]! : 0;
        this.#logger.warn(
          { series: series.key, widgets: series.label, budgetBytes: budget, heldMinutes: Math.round(heldMs / 60_000) },
          `${series.label}: recording ${Math.round(series.keepMs / 60_000)} min needs more than its share (${budget} bytes) of storage.record_max_mb; it keeps the last ${Math.round(heldMs / 60_000)} min. Raise storage.record_max_mb or shorten "record"`,
        );
        series.warnedBudget = true;
      }
      while (series.count > 1 && series.bytes > budget) series.dropOldest();
    }
    series.compact();
  }
}
