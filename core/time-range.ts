/**
 * Time ranges a viewer asks for (docs/time.md): Grafana-style expressions (`now`, `now-6h`, ISO-8601 times,
 * epoch milliseconds), checked against a dashboard's `time:` settings, resolved to epoch ms at each run, and
 * the bucket width that keeps a chart under `max_points`.
 */
import { RtdashError } from './errors.js';
import type { TimeSettings, Widget } from './model.js';
import { chartKind } from './widget-types.js';

/** Bucket widths in seconds, smallest first: a range gets the smallest that keeps it under max_points. */
export const BUCKET_LADDER = [1, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400] as const;

/** The ladder's largest rung, in seconds: one day. */
export const LARGEST_BUCKET = 86400;

/** The range a dashboard with `time:` shows when neither the viewer nor its file says. */
export const DEFAULT_TIME_DEFAULT = { from: 'now-1h', to: 'now' } as const;
/** The choices offered in the picker when the file lists none. */
export const DEFAULT_TIME_CHOICES = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
/** The longest range a viewer may ask for when the file sets no `max`. */
export const DEFAULT_TIME_MAX = '30d';
/** The most points per chart when the file sets no `max_points`. */
export const DEFAULT_MAX_POINTS = 600;
/** How far past the server's clock an absolute end may lie (clocks of viewers and server differ a little). */
export const FUTURE_TOLERANCE_MS = 5_000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^now(?:([+-])(\d{1,9})([a-zA-Z]*))?$/;
const EPOCH_MS = /^\d{1,15}$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_TEXT = 64;

/** One end of a range as written: relative to now (an offset in ms, ≤ 0) or a fixed time. */
export type RangeEnd = { kind: 'relative'; offsetMs: number } | { kind: 'absolute'; ms: number };

/** A viewer's range, checked: the text as given (for keys and echoes) and both ends parsed. */
export interface RangeSpec {
  from: string;
  to: string;
  fromEnd: RangeEnd;
  toEnd: RangeEnd;
  /** True when `to` is now-based: the range slides with each run. */
  live: boolean;
  /** What identifies the range among jobs: the text for live ranges, the resolved ms for fixed ones. */
  key: string;
}

/** A range resolved at one moment. */
export interface ResolvedRange {
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
  live: boolean;
}

function invalid(message: string): RtdashError {
  return new RtdashError('RTDASH_RANGE_INVALID', message);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, MAX_TEXT)) : String(value);
}

/**
 * Parses one end of a range; throws RTDASH_RANGE_INVALID naming the problem.
 * @example parseRangeEnd('now-6h', 'from') // { kind: 'relative', offsetMs: -21600000 }
 */
export function parseRangeEnd(value: unknown, which: 'from' | 'to'): RangeEnd {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return { kind: 'absolute', ms: value };
    throw invalid(`"${which}" ${shown(value)} is not a time: give epoch milliseconds as a whole number`);
  }
  if (typeof value !== 'string') throw invalid(`"${which}" must be a string like now-6h, an ISO-8601 time or epoch milliseconds; got ${value === null ? 'null' : typeof value}`);
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative !== null) {
    if (relative[1] === undefined) return { kind: 'relative', offsetMs: 0 };
    const unit = relative[3] as string;
    const unitMs = UNIT_MS[unit];
    if (unitMs === undefined) throw invalid(`"${which}" ${shown(value)} has an unknown unit "${unit.slice(0, 8)}"; use s, m, h, d or w (like now-6h)`);
    if (relative[1] === '+') throw invalid(`"${which}" ${shown(value)} lies in the future; a range ends at now at the latest`);
    return { kind: 'relative', offsetMs: -Number(relative[2]) * unitMs };
  }
  if (text.startsWith('now')) throw invalid(`"${which}" ${shown(value)} is not a range expression; write now or now-<number><unit> with unit s, m, h, d or w (like now-6h)`);
  if (EPOCH_MS.test(text)) return { kind: 'absolute', ms: Number(text) };
  const iso = ISO.exec(text);
  if (iso !== null) {
    // A time without an offset is UTC, so a link means the same instant wherever it is opened.
    const withZone = iso[4] === undefined ? `${text.slice(0, 10)}T00:00:00Z` : iso[7] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
    const ms = Date.parse(withZone);
    if (Number.isFinite(ms) && ms >= 0) return { kind: 'absolute', ms };
  }
  throw invalid(`"${which}" ${shown(value)} is not a time: write now, now-<number><unit> (like now-6h), an ISO-8601 time (like 2026-12-01T10:00:00Z) or epoch milliseconds`);
}

/** The epoch ms of one end at `now`. */
export function resolveEnd(end: RangeEnd, now: number): number {
  return end.kind === 'relative' ? now + end.offsetMs : end.ms;
}

/**
 * The bucket width (seconds) for a span: the smallest on the ladder giving at most `maxPoints` buckets, or
 * the largest rung when even that gives more.
 * @example bucketFor(6 * 3_600_000, 600) // 60
 */
export function bucketFor(spanMs: number, maxPoints: number): number {
  for (const bucket of BUCKET_LADDER) if (spanMs / (bucket * 1000) <= maxPoints) return bucket;
  return LARGEST_BUCKET;
}

/**
 * A viewer's range for a dashboard, checked against its `time:` settings; undefined for a dashboard without
 * `time:` when no range was given. Missing ends take the dashboard default's. Throws RTDASH_RANGE_INVALID
 * for a range on a dashboard without `time:`, an unparsable end, a bad unit, from after to, a range longer
 * than `max`, an absolute end in the future, or a now-based start with a fixed end.
 * @example checkRange('ops', time, { from: 'now-6h', to: 'now' }, Date.now()).live // true
 */
export function checkRange(dashboardId: string, time: TimeSettings | undefined, input: unknown, now: number): RangeSpec | undefined {
  const given = input !== undefined && input !== null;
  if (time === undefined) {
    if (!given) return undefined;
    throw invalid(`dashboard "${dashboardId}" has no time range (no "time:" in its file), so it takes no from/to`);
  }
  if (given && (typeof input !== 'object' || Array.isArray(input))) throw invalid('"range" must be an object like {"from": "now-6h", "to": "now"}');
  const asked = (given ? input : {}) as Record<string, unknown>;
  for (const key of Object.keys(asked)) if (key !== 'from' && key !== 'to') throw invalid(`"range" takes only "from" and "to"; got "${key.slice(0, 32)}"`);
  const fromValue = asked['from'] ?? time.default.from;
  const toValue = asked['to'] ?? time.default.to;
  const fromEnd = parseRangeEnd(fromValue, 'from');
  const toEnd = parseRangeEnd(toValue, 'to');
  if (fromEnd.kind === 'relative' && toEnd.kind === 'absolute') {
    throw invalid(`"from" ${shown(fromValue)} is relative to now but "to" ${shown(toValue)} is a fixed time; give both as times, or end at a now-based time`);
  }
  if (toEnd.kind === 'absolute' && toEnd.ms > now + FUTURE_TOLERANCE_MS) {
    throw invalid(`"to" ${shown(toValue)} (${new Date(toEnd.ms).toISOString()}) is in the future; a fixed range must have ended`);
  }
  const fromMs = resolveEnd(fromEnd, now);
  const toMs = resolveEnd(toEnd, now);
  if (fromMs >= toMs) throw invalid(`"from" ${shown(fromValue)} is not before "to" ${shown(toValue)}`);
  if (toMs - fromMs > time.maxMs) throw invalid(`the range ${shown(fromValue)} to ${shown(toValue)} is longer than the dashboard's max of ${time.max}`);
  const points = Math.ceil((toMs - fromMs) / (LARGEST_BUCKET * 1000));
  if (points > time.maxPoints) throw invalid(`the range ${shown(fromValue)} to ${shown(toValue)} would have ${points} points even at the largest bucket (1d), more than the dashboard's max_points of ${time.maxPoints}`);
  const from = String(fromValue).trim();
  const to = String(toValue).trim();
  const live = toEnd.kind === 'relative';
  return { from, to, fromEnd, toEnd, live, key: live ? `${from}|${to}` : `${fromMs}|${toMs}` };
}

/** The range at `now`, with its bucket. */
export function resolveRange(spec: RangeSpec, maxPoints: number, now: number): ResolvedRange {
  const fromMs = resolveEnd(spec.fromEnd, now);
  const toMs = resolveEnd(spec.toEnd, now);
  return { fromMs, toMs, bucketSeconds: bucketFor(toMs - fromMs, maxPoints), live: spec.live };
}

/**
 * A picker choice or `default:` written as a duration (`6h`) as the relative range it stands for.
 * @example durationRange('6h') // { from: 'now-6h', to: 'now' }
 */
export function durationRange(duration: string): { from: string; to: string } {
  return { from: `now-${duration}`, to: 'now' };
}

/**
 * A range widget: a chart whose query uses :from, :to or :bucket, or a recorded chart (served from its
 * recorded points). Each run's frame is its whole window, so it replaces the previous one (never appends)
 * and `keep` does not apply.
 */
export function isRangeWidget(widget: Pick<Widget, 'type' | 'usesRange' | 'recordMs'>): boolean {
  return (widget.usesRange === true || widget.recordMs !== undefined) && chartKind(widget.type) !== undefined;
}
