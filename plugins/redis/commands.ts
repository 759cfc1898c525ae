/**
 * How each allowed command runs and becomes a frame. Every command is sent as a name from READ_COMMANDS plus
 * arguments, never as text to parse, and every read whose size depends on the data is bounded by the row cap
 * (maxRows + 1 items at most, the extra one only telling that there was more).
 */
import type { Frame, QueryContext } from '../../core/plugin.js';
import {
  countFrame,
  infoFrame,
  listFrame,
  rowFrame,
  scoredFrame,
  sortedSetFrame,
  streamFieldNames,
  streamFrame,
  timeSeriesFrame,
  type StreamEntry,
} from './frames.js';
import type { QueryArgs, ReadCommand } from './query.js';
import { parseDuration } from '../../core/duration.js';

/** Sends one Redis command for the query being run (its errors name the query's command). */
export type Exec = (command: string, args: readonly (string | number)[]) => Promise<unknown>;

/** What running a query needs besides the query. */
export interface CommandDeps {
  exec: Exec;
  /** Whether the server has RedisTimeSeries (asked once per connection). */
  hasTimeSeries(): Promise<boolean>;
}

type Runner = (args: QueryArgs, ctx: QueryContext, deps: CommandDeps) => Promise<Frame>;

/** The most hash fields HSCAN is asked for per round trip. */
const HSCAN_BATCH = 1000;

const RUNNERS: Record<ReadCommand, Runner> = {
  GET: async (a, ctx, { exec }) => rowFrame(ctx.range.to, [['value', text(await exec('GET', [a.key()]))]]),
  HGET: async (a, ctx, { exec }) => rowFrame(ctx.range.to, [['value', text(await exec('HGET', [a.key(), a.text('field')]))]]),
  MGET: async (a, ctx, { exec }) => {
    const keys = a.namedKeys();
    const values = strings(await exec('MGET', keys.map(([, key]) => key)));
    return rowFrame(ctx.range.to, keys.map(([name], i) => [name, values[i] ?? null]));
  },
  HGETALL: hashRow,
  SCARD: async (a, ctx, { exec }) => countFrame(ctx.range.to, integer(await exec('SCARD', [a.key()]))),
  PFCOUNT: async (a, ctx, { exec }) => countFrame(ctx.range.to, integer(await exec('PFCOUNT', [a.key()]))),
  DBSIZE: async (_, ctx, { exec }) => countFrame(ctx.range.to, integer(await exec('DBSIZE', []))),
  INFO: async (a, ctx, { exec }) => {
    const section = a.literal('section');
    return infoFrame(ctx.range.to, text(await exec('INFO', section === undefined ? [] : [section])) ?? '', a.literals('fields'));
  },
  LRANGE: async (a, ctx, { exec }) => {
    const key = a.key();
    const window = await boundedWindow(a, ctx.maxRows, async () => integer(await exec('LLEN', [key])));
    if (window === undefined) return listFrame(0, [], false);
    const values = strings(await exec('LRANGE', [key, window.start, window.stop])).map((v) => v ?? '');
    return listFrame(window.start, values.slice(0, ctx.maxRows), values.length > ctx.maxRows);
  },
  ZRANGE: sortedSet,
  ZREVRANGE: sortedSet,
  ZRANGEBYSCORE: byScore,
  XRANGE: stream,
  XREVRANGE: stream,
  'TS.RANGE': timeSeries,
};

/**
 * Runs one query, already read into its arguments, and answers with its frame.
 * @example await runQuery(new QueryArgs({ command: 'SCARD', key: 'sessions' }, {}, ''), ctx, deps) // time, value
 */
export async function runQuery(args: QueryArgs, ctx: QueryContext, deps: CommandDeps): Promise<Frame> {
  return RUNNERS[args.command](args, ctx, deps);
}

/** HGETALL as one row, read with HSCAN so that a hash larger than the row cap is cut rather than loaded whole. */
async function hashRow(a: QueryArgs, ctx: QueryContext, { exec }: CommandDeps): Promise<Frame> {
  const key = a.key();
  const fields = new Map<string, string>();
  let cursor = '0';
  do {
    const reply = array(await exec('HSCAN', [key, cursor, 'COUNT', Math.min(ctx.maxRows + 1, HSCAN_BATCH)]));
    cursor = text(reply[0]) ?? '0';
    const flat = strings(reply[1]);
    // HSCAN may repeat a field across batches while the hash is rehashed; the map keeps one of each.
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] ?? '', flat[i + 1] ?? '');
  } while (cursor !== '0' && fields.size <= ctx.maxRows);
  const names = [...fields.keys()].sort();
  const frame = rowFrame(ctx.range.to, names.slice(0, ctx.maxRows).map((name) => [name, fields.get(name) ?? null]));
  return names.length > ctx.maxRows ? { ...frame, meta: { truncated: true } } : frame;
}

async function sortedSet(a: QueryArgs, ctx: QueryContext, { exec }: CommandDeps): Promise<Frame> {
  const key = a.key();
  const window = await boundedWindow(a, ctx.maxRows, async () => integer(await exec('ZCARD', [key])));
  if (window === undefined) return sortedSetFrame([], false);
  const flat = strings(await exec(a.command, [key, window.start, window.stop, 'WITHSCORES'])).map((v) => v ?? '');
  return sortedSetFrame(flat.slice(0, 2 * ctx.maxRows), flat.length > 2 * ctx.maxRows);
}

/**
 * ZRANGEBYSCORE on a sorted set scored by time (epoch ms): the members with scores in [min, max] (`:from`/`:to`
 * for the query's range), oldest first, at most maxRows + 1 of them (LIMIT).
 */
async function byScore(a: QueryArgs, ctx: QueryContext, { exec }: CommandDeps): Promise<Frame> {
  const min = a.bound('min', ctx.range, 'ceil') ?? '-inf';
  const max = a.bound('max', ctx.range, 'floor') ?? '+inf';
  const count = Math.min(a.int('count') ?? Infinity, ctx.maxRows + 1);
  const flat = strings(await exec('ZRANGEBYSCORE', [a.key(), min, max, 'WITHSCORES', 'LIMIT', 0, count])).map((v) => v ?? '');
  return scoredFrame(flat.slice(0, 2 * ctx.maxRows), a.literals('fields'), flat.length > 2 * ctx.maxRows);
}

/**
 * The index window of an LRANGE/ZRANGE, cut to maxRows + 1 items. Negative indexes count from the end, so for
 * them the length is asked first: only absolute indexes can be cut without knowing how long the range is.
 */
async function boundedWindow(a: QueryArgs, maxRows: number, length: () => Promise<number>): Promise<{ start: number; stop: number } | undefined> {
  let start = a.int('start', 0);
  let stop = a.int('stop', -1);
  if (start < 0 || stop < 0) {
    const n = await length();
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
  }
  if (stop < start) return undefined;
  return { start, stop: Math.min(stop, start + maxRows) };
}

/**
 * XRANGE/XREVRANGE. Without `start`/`end` the widget's time range is read, (from, to], so each run adds only
 * the entries that arrived since the previous one.
 */
async function stream(a: QueryArgs, ctx: QueryContext, { exec }: CommandDeps): Promise<Frame> {
  const key = a.key();
  const explicit = a.has('start') || a.has('end');
  const low = explicit ? (a.bound('start', ctx.range, 'ceil') ?? '-') : String(Math.max(0, Math.floor(ctx.range.from) + 1));
  const high = explicit ? (a.bound('end', ctx.range, 'floor') ?? '+') : String(Math.floor(ctx.range.to));
  const count = Math.min(a.int('count') ?? Infinity, ctx.maxRows + 1);
  const bounds = a.command === 'XRANGE' ? [low, high] : [high, low];
  const entries = streamEntries(await exec(a.command, [key, ...bounds, 'COUNT', count]));
  const kept = entries.slice(0, ctx.maxRows);
  const declared = a.literals('fields');
  if (entries.length > 0) return streamFrame(kept, declared ?? streamFieldNames(kept), entries.length > ctx.maxRows);
  // No entries in the range: the newest entry tells the columns and their types, so a line chart keeps its
  // shape (and its history) through a quiet spell instead of being replaced by an empty frame.
  const [newest] = streamEntries(await exec('XREVRANGE', [key, '+', '-', 'COUNT', 1]));
  return streamFrame([], declared ?? (newest === undefined ? [] : streamFieldNames([newest])), false, newest);
}

async function timeSeries(a: QueryArgs, ctx: QueryContext, deps: CommandDeps): Promise<Frame> {
  const key = a.key();
  const aggregation = a.literal('aggregation');
  const bucket = a.literal('bucket');
  const count = Math.min(a.int('count') ?? Infinity, ctx.maxRows + 1);
  if (!(await deps.hasTimeSeries())) throw new Error('TS.RANGE: RedisTimeSeries is not loaded on this server');
  const args: (string | number)[] = [key, Math.max(0, Math.floor(ctx.range.from) + 1), Math.floor(ctx.range.to), 'COUNT', count];
  if (aggregation !== undefined) {
    const bucketMs = bucket === undefined ? Math.max(1, Math.round(ctx.intervalMs)) : parseDuration(bucket);
    if (typeof bucketMs === 'string' || bucketMs <= 0) throw new Error(`TS.RANGE "bucket" must be a positive duration like 1m; got ${JSON.stringify(bucket)}`);
    args.push('AGGREGATION', aggregation, bucketMs);
  }
  const samples = array(await deps.exec('TS.RANGE', args)).map((sample) => {
    const [t, v] = array(sample);
    return [integer(t), text(v) ?? 'nan'] as const;
  });
  return timeSeriesFrame(samples.slice(0, ctx.maxRows), samples.length > ctx.maxRows);
}

function streamEntries(reply: unknown): StreamEntry[] {
  return array(reply).map((item) => {
    const [id, flat] = array(item);
    const pairs = strings(flat);
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) values.set(pairs[i] ?? '', pairs[i + 1] ?? '');
    return { id: text(id) ?? '0-0', values };
  });
}

// Reply guards: ioredis types replies as unknown; a shape we do not expect is a bug worth a clear message.

function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (typeof reply === 'number') return String(reply);
  throw new Error(`unexpected reply from Redis: expected a string, got ${Array.isArray(reply) ? 'a list' : typeof reply}`);
}

function strings(reply: unknown): (string | null)[] {
  return array(reply).map(text);
}

function array(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply;
  if (reply === null) return [];
  throw new Error(`unexpected reply from Redis: expected a list, got ${typeof reply}`);
}

function integer(reply: unknown): number {
  const value = typeof reply === 'number' ? reply : Number(text(reply));
  if (!Number.isFinite(value)) throw new Error(`unexpected reply from Redis: expected an integer, got ${JSON.stringify(reply)}`);
  return value;
}
