/**
 * The series an alert condition is evaluated over (condition-eval.ts), read from a frame: its rows in time
 * order, whole or split by label columns. A series reads the frame's own arrays through a list of row
 * numbers instead of copying them: a widget's rules run on every delivery of frames of thousands of rows,
 * and each reducer reads only its window (found by binary search), so copying every row cost more than
 * the evaluation itself.
 */
import { RtdashError } from '../errors.js';
import { timeField, type Field, type FieldValue, type Frame } from '../frame.js';

/**
 * A time series: epoch-ms `times` and columns of the same length, read at `rows` (in time order) or, without
 * `rows`, at every index (times then ascending). A cell that is not a finite number is no value.
 * @example const s: Series = { times: [1000, 2000], columns: { cpu: [95, null] } }
 */
export interface Series {
  times: readonly FieldValue[];
  columns: Record<string, readonly FieldValue[]>;
  /** The indices of `times` and `columns` that make up the series, in time order; all of them when absent. */
  rows?: ArrayLike<number>;
}

/** One series of a frame split by label columns. */
export interface LabeledSeries {
  /** The label columns' values in this series, as text (null → ""). */
  labels: Record<string, string>;
  series: Series;
}

// A field that is neither number nor time reads as no value in every row.
const NO_VALUES: readonly FieldValue[] = [];

/**
 * The series of a frame: times from `xColumn` (default: the first time field), every other field as a
 * column. Rows without a finite time are left out; rows are read in time order (stable for equal times).
 * Reads the frame in place: the series is good until the frame changes (copySeries keeps one).
 */
export function seriesFromFrame(frame: Frame, xColumn?: string): Series {
  const x = xField(frame, xColumn);
  const rows = timeOrder(x);
  const columns = columnsOf(frame, new Set([x.name]));
  return rows === undefined ? { times: x.values, columns } : { times: x.values, columns, rows };
}

/**
 * Splits a frame into one series per distinct combination of `byColumns` values (one per host, say),
 * keyed by `host="a",region="eu"`, in the order each first appears in time. The label columns are left out
 * of each series. Reads the frame in place, as seriesFromFrame does.
 * @example splitSeries(frame, ['host']).get('host="web-1"')?.series
 */
export function splitSeries(frame: Frame, byColumns: string[], xColumn?: string): Map<string, LabeledSeries> {
  const x = xField(frame, xColumn);
  const by = byColumns.map((name) => fieldNamed(frame, name));
  const order = timeOrder(x);
  const length = order === undefined ? x.values.length : order.length;
  // One pass files each row under its group, keyed by the label text itself (joined when there are several
  // columns): a row costs a map lookup and a push, no string or object; the key text is written once per group.
  const groups = new Map<string, { texts: string[]; rows: number[] }>();
  for (let p = 0; p < length; p++) {
    const row = order === undefined ? p : (order[p] as number);
    const raw = by.length === 1 ? labelText((by[0] as Field).values[row]) : by.map((f) => labelText(f.values[row])).join('\u0000');
    let group = groups.get(raw);
    if (group === undefined) {
      group = { texts: by.map((f) => labelText(f.values[row])), rows: [] };
      groups.set(raw, group);
    }
    group.rows.push(row);
  }
  // Every group reads the same columns; only its rows differ.
  const columns = columnsOf(frame, new Set([x.name, ...byColumns]));
  const out = new Map<string, LabeledSeries>();
  for (const { texts, rows } of groups.values()) {
    const key = texts.map((t, i) => `${byColumns[i]}=${JSON.stringify(t)}`).join(',');
    const labels = Object.fromEntries(texts.map((t, i) => [byColumns[i] as string, t]));
    out.set(key, { labels, series: { times: x.values, columns, rows } });
  }
  return out;
}

/**
 * A series as plain arrays of its rows: ascending `times`, and columns with null where a cell is not a
 * finite number. For keeping a series past the next change of its frame, and for tests.
 * @example copySeries(seriesFromFrame(frame)) // { times: [1000, 2000], columns: { cpu: [95, null] } }
 */
export function copySeries(series: Series): { times: number[]; columns: Record<string, (number | null)[]> } {
  const rows = series.rows ?? Array.from(series.times, (_, i) => i);
  const times = Array.from(rows, (r) => series.times[r] as number);
  const columns: Record<string, (number | null)[]> = {};
  for (const [name, values] of Object.entries(series.columns)) columns[name] = Array.from(rows, (r) => (isNumber(values[r]) ? values[r] : null));
  return { times, columns };
}

function labelText(v: FieldValue | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
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

/**
 * Indices of the rows with a finite time, in time order (stable for equal times); undefined when that is
 * every row as it stands, as in a widget's history, which is kept sorted.
 */
function timeOrder(x: Field): number[] | undefined {
  const values = x.values;
  let previous = -Infinity;
  let i = 0;
  for (; i < values.length; i++) {
    const t = values[i];
    if (!isNumber(t) || t < previous) break;
    previous = t;
  }
  if (i === values.length) return undefined;
  const rows: number[] = [];
  let sorted = true;
  for (let r = 0; r < values.length; r++) {
    if (!isNumber(values[r])) continue;
    if (rows.length > 0 && (values[r] as number) < (values[rows[rows.length - 1] as number] as number)) sorted = false;
    rows.push(r);
  }
  if (!sorted) rows.sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
  return rows;
}

/** The frame's fields but `skip`, by name: number and time fields as they are, others as no values. */
function columnsOf(frame: Frame, skip: Set<string>): Record<string, readonly FieldValue[]> {
  const columns: Record<string, readonly FieldValue[]> = {};
  for (const f of frame.fields) {
    if (skip.has(f.name)) continue;
    columns[f.name] = f.type === 'number' || f.type === 'time' ? f.values : NO_VALUES;
  }
  return columns;
}
