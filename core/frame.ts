/**
 * The frame: the one columnar data shape shared by plugins, the protocol and the components.
 * Its JSON Schema is core/schemas/frame.schema.json; `checkFrame` adds what a schema cannot say.
 */
import { RtdashError } from './errors.js';

/** The column cap of one result when the source sets no `max_columns`. */
export const DEFAULT_MAX_COLUMNS = 1000;

/** The type of one field. Time values are epoch milliseconds. */
export type FieldType = 'time' | 'number' | 'string' | 'boolean';
/** One cell. `null` means no value. */
export type FieldValue = number | string | boolean | null;

/** One named column. */
export interface Field {
  name: string;
  type: FieldType;
  values: FieldValue[];
}

/** A columnar table: every field has the same number of values. */
export interface Frame {
  fields: Field[];
  /**
   * Facts about the result: `truncated` when the source cut it at its row cap; `downsampled` when the server
   * cut a range widget's rows to the dashboard's max_points (core/downsample.ts).
   */
  meta?: { truncated?: boolean; downsampled?: { from: number; to: number; method: 'minmax' } };
}

/** The `typeof` of a field type's values; undefined for anything that is not a field type ("constructor" included). */
function typeOfValues(type: unknown): string | undefined {
  switch (type) {
    case 'time':
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

/**
 * Tells what is wrong with a value that claims to be a frame, or returns undefined when it is one.
 * @example checkFrame({ fields: [{ name: 't', type: 'time', values: [1] }] }) // undefined
 */
export function checkFrame(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected an object with "fields", got ${describe(value)}`;
  const fields = (value as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) return `"fields" must be an array, got ${describe(fields)}`;
  const meta = (value as { meta?: unknown }).meta;
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) return `"meta" must be an object, got ${describe(meta)}`;
  let length: number | undefined;
  const names = new Set<string>();
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as Partial<Field> | null;
    const where = `fields[${i}]`;
    if (typeof field !== 'object' || field === null) return `${where} must be an object`;
    if (typeof field.name !== 'string' || field.name === '') return `${where}.name must be a non-empty string`;
    if (names.has(field.name)) return `${where}.name "${field.name}" appears twice`;
    names.add(field.name);
    const expected = typeOfValues(field.type);
    if (expected === undefined) return `${where}.type must be one of time, number, string, boolean; got ${describe(field.type)}`;
    if (!Array.isArray(field.values)) return `${where}.values must be an array`;
    if (length === undefined) length = field.values.length;
    else if (field.values.length !== length) {
      return `${where} ("${field.name}") has ${field.values.length} values but fields[0] has ${length}`;
    }
    for (let j = 0; j < field.values.length; j++) {
      const v = field.values[j];
      if (v === null) continue;
      if (typeof v !== expected || (expected === 'number' && !Number.isFinite(v))) {
        return `${where}.values[${j}] ("${field.name}", ${field.type}) is ${describe(v)}`;
      }
    }
  }
  return undefined;
}

/**
 * A fast `checkFrame(value) === undefined` for a source that answers the same columns run after run: the names
 * and types of the last frame it accepted are remembered, so a frame of that shape has only its values checked
 * (no set of names, no strings). It accepts exactly what checkFrame accepts; ask checkFrame for the problem.
 * @example const frames = new FrameChecker(); if (!frames.accepts(x)) throw new Error(checkFrame(x));
 */
export class FrameChecker {
  #names: readonly string[] = [];
  #types: readonly string[] = [];

  /** True when `value` is a well-formed frame. */
  accepts(value: unknown): value is Frame {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const fields = (value as { fields?: unknown }).fields;
    if (!Array.isArray(fields)) return false;
    const meta = (value as { meta?: unknown }).meta;
    if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) return false;
    let known = fields.length === this.#names.length;
    let length = -1;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as Partial<Field> | null;
      if (typeof field !== 'object' || field === null) return false;
      if (known && (field.name !== this.#names[i] || field.type !== this.#types[i])) known = false;
      const expected = typeOfValues(field.type);
      if (expected === undefined || typeof field.name !== 'string' || field.name === '') return false;
      const values = field.values;
      if (!Array.isArray(values)) return false;
      if (length === -1) length = values.length;
      else if (values.length !== length) return false;
      for (let j = 0; j < values.length; j++) {
        const v: unknown = values[j];
        if (v === null) continue;
        if (typeof v !== expected || (expected === 'number' && !Number.isFinite(v))) return false;
      }
    }
    if (known) return true;
    // A new shape: its names must be unique (checked once per shape), then it is the one remembered.
    const names = fields.map((f: Field) => f.name);
    if (new Set(names).size !== names.length) return false;
    this.#names = names;
    this.#types = fields.map((f: Field) => f.type);
    return true;
  }
}

/** Number of rows in a frame. */
export function rowCount(frame: Frame): number {
  return frame.fields[0]?.values.length ?? 0;
}

/** A frame cut to `maxRows` rows and flagged `truncated`, or the frame itself when it fits. */
export function capRows(frame: Frame, maxRows: number): Frame {
  if (rowCount(frame) <= maxRows) return frame;
  return { ...sliceFrame(frame, 0, maxRows), meta: { ...frame.meta, truncated: true } };
}

/** The first field of type time, if any. */
export function timeField(frame: Frame): Field | undefined {
  // A loop, not `find`: every job run asks this a few times, and a callback per call is garbage per run.
  for (const f of frame.fields) if (f.type === 'time') return f;
  return undefined;
}

/** A frame with the same fields and the rows [start, end). */
export function sliceFrame(frame: Frame, start: number, end?: number): Frame {
  return { fields: frame.fields.map((f) => ({ name: f.name, type: f.type, values: f.values.slice(start, end) })) };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * The error of a result wider than the source's `max_columns`: a column per series or per key can make a
 * frame that costs every viewer memory and every chart a legend of thousands. Refused, not cut: a cut set
 * of series would look like all of them.
 * @example throw frameTooWide('prom', 'matched 200000 series', 1000)
 */
export function frameTooWide(source: string, what: string, maxColumns: number): RtdashError {
  return new RtdashError('RTDASH_FRAME_TOO_WIDE', `"${source}" ${what}, more than its max_columns (${maxColumns}); select fewer columns or series, or raise max_columns`);
}
