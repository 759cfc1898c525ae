/**
 * Evaluates a parsed condition (condition.ts) over one series, in three-valued logic: a reducer
 * with no points yields null, and null propagates to `holds: null`, which the engine maps to the
 * rule's `nodata:` setting. Also builds series from frames, one per label set when asked.
 */
import { RtdashError } from '../errors.js';
import { timeField, type Field, type Frame } from '../frame.js';
import type { Comparison, Condition, ConditionNode, NumberExpr, ReducerCall } from './condition.js';

/** A time series: ascending epoch-ms `times`, and columns of the same length (null = no value). */
export interface Series {
  times: number[];
  columns: Record<string, (number | null)[]>;
}

/** The outcome of one evaluation. */
export interface ConditionResult {
  /** True or false, or null when missing data leaves it unknown. */
  holds: boolean | null;
  /** Each reducer call's value keyed by its canonical text (`avg(15m)`), for notification templates. */
  values: Record<string, number | null>;
}

/** One series of a frame split by label columns. */
export interface LabeledSeries {
  /** The label columns' values in this series, as text (null → ""). */
  labels: Record<string, string>;
  series: Series;
}

/**
 * Evaluates a condition at `now` (epoch ms). Calls without a column read `defaultColumn`; a column
 * missing from the series reads as empty. Every call is evaluated (no short-circuit), so `values` is complete.
 * @example evaluateCondition(parseCondition('last() > 90'), { times: [1000], columns: { v: [95] } }, 1000, 'v') // { holds: true, values: { 'last()': 95 } }
 */
export function evaluateCondition(condition: Condition, series: Series, now: number, defaultColumn: string): ConditionResult {
  const results: (number | null)[] = new Array(condition.calls.length);
  const values: Record<string, number | null> = {};
  for (const call of condition.calls) {
    const column = series.columns[call.column ?? defaultColumn];
    const value = column === undefined ? (call.fn === 'count' ? 0 : null) : reduce(call, series.times, column, now);
    results[call.index] = value;
    values[call.key] = value;
  }
  return { holds: truth(condition.root, results), values };
}

/** The first index whose time is after `t` (times ascending). */
function after(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One reducer over the window (end − windowMs, end], where end = now − offset; null values are skipped. */
function reduce(call: ReducerCall, times: number[], column: (number | null)[], now: number): number | null {
  const end = now - call.offsetMs;
  const hi = after(times, end);
  if (call.fn === 'last' && call.windowMs === null) {
    for (let i = hi - 1; i >= 0; i--) if (isNumber(column[i])) return column[i] as number;
    return null;
  }
  const lo = after(times, end - (call.windowMs as number));
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let first = 0;
  let firstAt = 0;
  let last = 0;
  let lastAt = 0;
  for (let i = lo; i < hi; i++) {
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

/**
 * Builds a series from a frame: times from `xColumn` (default: the first time field), every other
 * field as a column, null where a value is not a finite number. Rows without a time are dropped; rows are sorted by time.
 */
export function seriesFromFrame(frame: Frame, xColumn?: string): Series {
  const x = xField(frame, xColumn);
  return buildSeries(frame, x, rowsWithTime(x), new Set([x.name]));
}

/**
 * Splits a frame into one series per distinct combination of `byColumns` values (one row per host,
 * say), keyed by `host="a",region="eu"`. The label columns are left out of each series.
 * @example splitSeries(frame, ['host']).get('host="web-1"')?.series
 */
export function splitSeries(frame: Frame, byColumns: string[], xColumn?: string): Map<string, LabeledSeries> {
  const x = xField(frame, xColumn);
  const by = byColumns.map((name) => fieldNamed(frame, name));
  // Rows are grouped by their raw label values (joined with a separator no label text holds); the
  // `host="a"` key is written once per group, not once per row: a frame may hold thousands of rows.
  const groups = new Map<string, { texts: string[]; rows: number[] }>();
  for (const row of rowsWithTime(x)) {
    let raw = '';
    for (const f of by) raw += `${f.values[row] ?? ''}\u0000`;
    let group = groups.get(raw);
    if (group === undefined) {
      group = { texts: by.map((f) => (f.values[row] === null || f.values[row] === undefined ? '' : String(f.values[row]))), rows: [] };
      groups.set(raw, group);
    }
    group.rows.push(row);
  }
  const skip = new Set([x.name, ...byColumns]);
  const out = new Map<string, LabeledSeries>();
  for (const { texts, rows } of groups.values()) {
    const key = texts.map((t, i) => `${byColumns[i]}=${JSON.stringify(t)}`).join(',');
    out.set(key, { labels: Object.fromEntries(texts.map((t, i) => [byColumns[i] as string, t])), series: buildSeries(frame, x, rows, skip) });
  }
  return out;
}

function xField(frame: Frame, xColumn: string | undefined): Field {
  if (xColumn !== undefined) return fieldNamed(frame, xColumn);
  const x = timeField(frame);
  if (x === undefined) {
    throw new RtdashError('RTDASH_CONFIG_INVALID', `the frame has no time field to evaluate an alert over (fields: ${names(frame)})`);
  }
  return x;
}

function fieldNamed(frame: Frame, name: string): Field {
  const field = frame.fields.find((f) => f.name === name);
  if (field === undefined) throw new RtdashError('RTDASH_CONFIG_INVALID', `the frame has no field "${name}" (fields: ${names(frame)})`);
  return field;
}

function names(frame: Frame): string {
  return frame.fields.map((f) => f.name).join(', ') || 'none';
}

/** Indices of the rows with a finite time, in time order (stable for equal times). */
function rowsWithTime(x: Field): number[] {
  const rows: number[] = [];
  let sorted = true;
  for (let i = 0; i < x.values.length; i++) {
    if (!isNumber(x.values[i])) continue;
    if (rows.length > 0 && (x.values[i] as number) < (x.values[rows[rows.length - 1] as number] as number)) sorted = false;
    rows.push(i);
  }
  if (!sorted) rows.sort((a, b) => (x.values[a] as number) - (x.values[b] as number) || a - b);
  return rows;
}

function buildSeries(frame: Frame, x: Field, rows: number[], skip: Set<string>): Series {
  const times = rows.map((r) => x.values[r] as number);
  const columns: Record<string, (number | null)[]> = {};
  for (const f of frame.fields) {
    if (skip.has(f.name)) continue;
    const numeric = f.type === 'number' || f.type === 'time';
    columns[f.name] = rows.map((r) => (numeric && isNumber(f.values[r]) ? (f.values[r] as number) : null));
  }
  return { times, columns };
}
