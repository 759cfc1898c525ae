/**
 * One recorded series in memory (core/record-store.ts keeps them): its points by column, how much memory they
 * take, and the rows not yet written to its file; with the reading helpers a range over it needs.
 */
import type { FieldType, FieldValue } from './frame.js';

/** A column of a series: what the source's frames have. */
export interface Column {
  name: string;
  type: FieldType;
}

/** The first line of a series file. */
export interface Header {
  format: number;
  key: string;
  /** Which widgets record it, for a person reading the folder. */
  label: string;
  fields: Column[];
}

/** One recorded series, held by column (a column of numbers is a packed array of doubles). */
export class Series {
  readonly key: string;
  readonly file: string;
  label: string;
  keepMs: number;
  /** How often it gets a point, about: its share of the byte cap follows keepMs / intervalMs. */
  intervalMs: number;
  fields: Column[] | undefined;
  timeIndex = -1;
  columns: FieldValue[][] = [];
  start = 0;
  sizes: number[] = [];
  bytes = 0;
  /** Rows recorded since the last flush, to append to the file. */
  pending: FieldValue[][] = [];
  /** Lines in the file besides the header. */
  linesOnDisk = 0;
  /** The file must be written whole at the next flush (new header, torn line, or grown too long). */
  rewrite = false;
  warnedBudget = false;
  /** The last write failed (and was logged). */
  writeFailed = false;
  warnedShape = false;
  /** With Redis: the time of the newest point Redis has from this series (those after it are written next). */
  redisUpTo = -Infinity;
  /** With Redis: `unloaded` until what Redis holds has been read into memory (tried again at each flush). */
  shared: 'unloaded' | 'loading' | 'loaded' = 'unloaded';
  /** With Redis: the load under way, which a viewer's first read waits for. */
  loading: Promise<void> | undefined;
  /** With Redis: a write is under way. */
  writing = false;

  constructor(key: string, file: string, label: string, keepMs: number, intervalMs: number) {
    this.intervalMs = Math.max(1, intervalMs);
    this.key = key;
    this.file = file;
    this.label = label;
    this.keepMs = keepMs;
  }

  /** The time column. */
  get times(): number[] {
    return (this.columns[this.timeIndex] ?? []) as number[];
  }

  get count(): number {
    return this.times.length - this.start;
  }

  push(row: FieldValue[]): void {
    const size = rowBytes(row);
    row.forEach((v, c) => this.columns[c]!.push(v));
    this.sizes.push(size);
    this.bytes += size;
  }

  row(r: number): FieldValue[] {
    return this.columns.map((c) => c[r]!);
  }

  dropOldest(): void {
    this.bytes -= this.sizes[this.start]!;
    this.start++;
  }

  /** Hands the dropped front of the arrays back once it is the larger part. */
  compact(): void {
    if (this.start < 1024 || this.start < this.times.length / 2) return;
    this.columns = this.columns.map((c) => c.slice(this.start));
    this.sizes = this.sizes.slice(this.start);
    this.start = 0;
  }

  /** Puts older rows (ascending times, all older than what it holds) before the series' own. */
  prepend(rows: FieldValue[][]): void {
    if (rows.length === 0) return;
    const own: FieldValue[][] = [];
    for (let r = this.start; r < this.times.length; r++) own.push(this.row(r));
    this.columns = this.columns.map(() => []);
    this.sizes = [];
    this.bytes = 0;
    this.start = 0;
    for (const row of rows) this.push(row);
    for (const row of own) this.push(row);
  }

  clear(fields: Column[]): void {
    this.fields = fields;
    this.timeIndex = fields.findIndex((f) => f.type === 'time');
    this.columns = fields.map(() => []);
    this.sizes = [];
    this.start = 0;
    this.bytes = 0;
    this.pending = [];
    this.rewrite = true;
    this.redisUpTo = -Infinity;
  }
}

/** What one row costs in memory, roughly: its values in their columns, and its own size. */
export function rowBytes(row: FieldValue[]): number {
  let bytes = 8;
  for (const v of row) bytes += typeof v === 'string' ? 16 + 2 * v.length : 8;
  return bytes;
}

/** Whether two lists of columns have the same names and types in the same order. */
export function sameColumns(a: Column[], b: Column[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.type === b[i]!.type);
}

/** The first index at or after `from` whose time is >= t (times ascend). */
export function lowerBound(times: number[], t: number, from: number): number {
  let lo = from;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One bucket of a column: the mean of its numbers, or the last value of any other type. */
export function aggregate(column: FieldValue[], first: number, end: number, type: FieldType): FieldValue {
  if (type !== 'number') return column[end - 1] ?? null;
  let sum = 0;
  let n = 0;
  for (let r = first; r < end; r++) {
    const v = column[r];
    if (typeof v === 'number') {
      sum += v;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}
