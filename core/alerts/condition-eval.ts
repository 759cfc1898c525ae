/**
 * Evaluates a parsed condition (condition.ts) over one series (series.ts), in three-valued logic: a reducer
 * with no points yields null, and null propagates to `holds: null`, which the engine maps to the
 * rule's `nodata:` setting.
 */
import type { FieldValue } from '../frame.js';
import type { Comparison, Condition, ConditionNode, NumberExpr, ReducerCall } from './condition.js';
import type { Series } from './series.js';

/** The outcome of one evaluation. */
export interface ConditionResult {
  /** True or false, or null when missing data leaves it unknown. */
  holds: boolean | null;
  /** Each reducer call's value keyed by its canonical text (`avg(15m)`), for notification templates. */
  values: Record<string, number | null>;
  /**
   * The `offset` calls that gave no value because their window begins before the data does (see `collectingSince`):
   * they cannot be judged yet, which is not the same as no data. Empty without `collectingSince`.
   */
  unfilled: ReducerCall[];
}

/** What else an evaluation may know besides the series. */
export interface EvaluationContext {
  /**
   * When the data began to be collected (the rule started): an `offset` window that begins before that (and before
   * the series' first point) and has no value is reported in `unfilled`.
   */
  collectingSince?: number;
  /**
   * The rows of the latest delivery alone: `last()` without a window reads them, so that a source that stops
   * answering rows makes it unknown (no data) instead of the last value it ever gave. The whole series without it.
   */
  latest?: Series;
}

/**
 * Evaluates a condition at `now` (epoch ms). Calls without a column read `defaultColumn`; a column
 * missing from the series reads as empty. Every call is evaluated (no short-circuit), so `values` is complete.
 * @example evaluateCondition(parseCondition('last() > 90'), { times: [1000], columns: { v: [95] } }, 1000, 'v') // { holds: true, values: { 'last()': 95 }, unfilled: [] }
 */
export function evaluateCondition(condition: Condition, series: Series, now: number, defaultColumn: string, context: EvaluationContext = {}): ConditionResult {
  const { collectingSince, latest } = context;
  const results: (number | null)[] = new Array(condition.calls.length);
  const values: Record<string, number | null> = {};
  const unfilled: ReducerCall[] = [];
  const since = collectingSince === undefined ? undefined : Math.min(collectingSince, firstTime(series));
  for (const call of condition.calls) {
    const from = latest !== undefined && call.fn === 'last' && call.windowMs === null && call.offsetMs === 0 ? latest : series;
    const column = from.columns[call.column ?? defaultColumn];
    const value = column === undefined ? (call.fn === 'count' ? 0 : null) : reduce(call, from, column, now);
    results[call.index] = value;
    values[call.key] = value;
    if (since !== undefined && call.offsetMs > 0 && (value === null || (call.fn === 'count' && value === 0)) && windowStart(call, now) < since) {
      // Unknown rather than empty: `count(5m offset 1d) < 1` must not hold just because yesterday was not recorded.
      results[call.index] = null;
      unfilled.push(call);
    }
  }
  return { holds: truth(condition.root, results), values, unfilled };
}

/** Where a call's window begins: `last(offset 1h)` (no window) reads the moment an hour ago. */
export function windowStart(call: ReducerCall, now: number): number {
  return now - call.offsetMs - (call.windowMs ?? 0);
}

/** The time of a series' first point; Infinity when it has none. */
function firstTime(series: Series): number {
  const first = series.rows === undefined ? 0 : series.rows[0];
  const t = first === undefined ? undefined : series.times[first];
  return typeof t === 'number' ? t : Infinity;
}

/** The first position in the series whose time is after `t`. */
function after(times: Series['times'], rows: Series['rows'], length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[rows === undefined ? mid : (rows[mid] as number)] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One reducer over the window (end − windowMs, end], where end = now − offset; cells that are not finite
 * numbers are skipped. Only the window's rows are read, so a long series costs no more than a short one.
 */
function reduce(call: ReducerCall, series: Series, column: readonly FieldValue[], now: number): number | null {
  const { times, rows } = series;
  const length = rows === undefined ? times.length : rows.length;
  const end = now - call.offsetMs;
  const hi = after(times, rows, length, end);
  if (call.fn === 'last' && call.windowMs === null) {
    for (let p = hi - 1; p >= 0; p--) {
      const v = column[rows === undefined ? p : (rows[p] as number)];
      if (isNumber(v)) return v;
    }
    return null;
  }
  const lo = after(times, rows, length, end - (call.windowMs as number));
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let first = 0;
  let firstAt = 0;
  let last = 0;
  let lastAt = 0;
  for (let p = lo; p < hi; p++) {
    const i = rows === undefined ? p : (rows[p] as number);
    const v = column[i];
    if (!isNumber(v)) continue;
    const at = times[i] as number;
    if (count === 0) {
      first = v;
      firstAt = at;
    }
    last = v;
    lastAt = at;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (call.fn === 'count') return count;
  if (count === 0) return null;
  switch (call.fn) {
    case 'last': return last;
    case 'avg': return finite(sum / count);
    case 'min': return min;
    case 'max': return max;
    case 'sum': return finite(sum);
    // Change needs two points: one point says nothing about movement.
    case 'change': return count < 2 ? null : finite(last - first);
    case 'rate': return count < 2 || lastAt === firstAt ? null : finite((last - first) / ((lastAt - firstAt) / 1000));
    case 'pct_change': return count < 2 || first === 0 ? null : finite(((last - first) / Math.abs(first)) * 100);
  }
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function number(node: NumberExpr, results: (number | null)[]): number | null {
  switch (node.kind) {
    case 'number': return node.value;
    case 'call': return results[node.index] ?? null;
    case 'neg': {
      const v = number(node.operand, results);
      return v === null ? null : -v;
    }
    case 'arith': {
      const l = number(node.left, results);
      const r = number(node.right, results);
      if (l === null || r === null) return null;
      const v = node.op === '+' ? l + r : node.op === '-' ? l - r : node.op === '*' ? l * r : l / r;
      return finite(v); // x/0 is unknown, never Infinity or NaN
    }
  }
}

function compare(node: Comparison, results: (number | null)[]): boolean | null {
  const l = number(node.left, results);
  const r = number(node.right, results);
  if (l === null || r === null) return null;
  switch (node.op) {
    case '>': return l > r;
    case '>=': return l >= r;
    case '<': return l < r;
    case '<=': return l <= r;
    case '==': return l === r;
    case '!=': return l !== r;
  }
}

function truth(node: ConditionNode, results: (number | null)[]): boolean | null {
  switch (node.kind) {
    case 'compare': return compare(node, results);
    case 'and': case 'or': {
      const l = truth(node.left, results);
      const r = truth(node.right, results);
      const decisive = node.kind === 'and' ? false : true;
      if (l === decisive || r === decisive) return decisive;
      return l === null || r === null ? null : !decisive;
    }
    case 'not': {
      const v = truth(node.operand, results);
      return v === null ? null : !v;
    }
  }
}
