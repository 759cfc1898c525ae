/**
 * Between the record store's memory and Redis (core/record-redis.ts), with `cluster.redis`: what Redis holds of a
 * series is read in before its own points when it opens, and its new points are sent at each flush, all of them
 * again when Redis lost what it had been sent.
 */
import type { FieldValue } from './frame.js';
import type { Logger } from './plugin.js';
import type { RecordRedis } from './record-redis.js';
import { lowerBound, sameColumns, type Series } from './record-series.js';

/**
 * Reads what Redis holds of a series into memory, before the points recorded since it opened; true when it got
 * points (then the store trims the series). Points of other columns than the series records now are left out
 * (the next write replaces them). `open` says whether the store still holds the series.
 */
export async function loadShared(series: Series, redis: RecordRedis, logger: Logger, open: () => boolean): Promise<boolean> {
  series.shared = 'loading';
  const answer = await redis.load(series.key, Date.now() - series.keepMs);
  if (!open()) return false;
  series.shared = answer === undefined ? 'unloaded' : 'loaded';
  const found = answer?.found;
  if (found === undefined) return false;
  const fields = found.fields.map((f) => ({ name: String(f.name), type: f.type }));
  const timeIndex = fields.findIndex((f) => f.type === 'time');
  if (timeIndex < 0 || (series.fields !== undefined && !sameColumns(series.fields, fields))) return false;
  const before = series.count > 0 ? series.times[series.start]! : Infinity;
  const older: FieldValue[][] = [];
  let last = -Infinity;
  for (const row of found.rows) {
    const time = row[timeIndex];
    if (typeof time !== 'number' || time <= last || time >= before) continue;
    older.push(row);
    last = time;
  }
  if (series.fields === undefined) series.clear(fields);
  series.prepend(older);
  if (older.length > 0) series.redisUpTo = last;
  logger.info({ series: series.key, rows: older.length }, `loaded the recorded points of ${series.label} from Redis`);
  return older.length > 0;
}

/**
 * Sends Redis the points of a series it does not have yet, within `budget` bytes' worth of points; when another
 * instance writes the series, these are not sent.
 */
export async function writeShared(series: Series, redis: RecordRedis, budget: number): Promise<void> {
  series.writing = true;
  try {
    // Once more, with every point held, when Redis lost what was written (a restart without persistence).
    for (let attempt = 0; attempt < 2; attempt++) {
      const fields = series.fields;
      if (fields === undefined || series.count === 0) return;
      const times = series.times;
      const writtenUpTo = series.redisUpTo;
      let from = lowerBound(times, writtenUpTo, series.start);
      while (from < times.length && times[from]! <= writtenUpTo) from++;
      if (from >= times.length) return;
      const rows: { time: number; row: FieldValue[] }[] = [];
      for (let r = from; r < times.length; r++) rows.push({ time: times[r]!, row: series.row(r) });
      const maxPoints = Math.max(1, Math.floor(budget / (series.bytes / series.count)));
      const outcome = await redis.write({ key: series.key, fields, keepMs: series.keepMs, rows, writtenUpTo, maxPoints, now: Date.now() });
      // Columns that changed meanwhile start over from the first point of the new ones.
      if (series.fields !== fields || outcome === 'failed') return;
      if (outcome !== 'lost') {
        series.redisUpTo = rows[rows.length - 1]!.time;
        return;
      }
      series.redisUpTo = -Infinity;
    }
  } finally {
    series.writing = false;
  }
}
