/**
 * Redis replies → frames. Redis stores text; a value becomes a number only when it is written the way a
 * number is (see `parseNumber`), and a column is numeric only when every value in it is, so one odd value
 * turns its column into text instead of into holes.
 */
import type { Field, FieldValue, Frame } from '../../core/plugin.js';

// Canonical decimals only: "007" and "+1" are identifiers or text, not numbers; so are "inf" and "nan".
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * The number a Redis value stands for, or undefined when it is text. Integers beyond 2^53 stay text, because
 * as numbers they would silently lose digits (they are usually ids, not amounts).
 * @example parseNumber('12.5') // 12.5; parseNumber('007') // undefined
 */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (Number.isInteger(value) && !Number.isSafeInteger(value) && !/[.eE]/.test(text)) return undefined;
  return value;
}

/**
 * A column from Redis strings: numbers when every non-null value is one. A column without values takes its
 * type from `sample` (a value seen elsewhere) when given, and is numeric otherwise.
 */
export function textColumn(name: string, values: readonly (string | null)[], sample?: string): Field {
  const numbers = values.map((v) => (v === null ? null : parseNumber(v)));
  const empty = numbers.every((n) => n === null);
  if (empty && sample !== undefined && parseNumber(sample) === undefined) return { name, type: 'string', values: [...values] };
  if (numbers.every((n) => n !== undefined)) return { name, type: 'number', values: numbers as (number | null)[] };
  return { name, type: 'string', values: [...values] };
}

/**
 * Hands out unique, non-empty column names: a data name that clashes with one already taken (a hash field
 * called `time`) gets underscores appended, so the frame stays well-formed whatever the data is called.
 */
export class ColumnNames {
  readonly #taken = new Set<string>();

  constructor(reserved: readonly string[] = []) {
    for (const name of reserved) this.#taken.add(name);
  }

  /** A free name based on `wanted`. */
  claim(wanted: string): string {
    let name = wanted === '' ? '_' : wanted;
    while (this.#taken.has(name)) name += '_';
    this.#taken.add(name);
    return name;
  }
}

/** One row: `time` and one column per (name, value) pair, each numeric when its value is. */
export function rowFrame(time: number, pairs: readonly (readonly [string, string | null])[]): Frame {
  const names = new ColumnNames(['time']);
  return { fields: [{ name: 'time', type: 'time', values: [time] }, ...pairs.map(([name, value]) => textColumn(names.claim(name), [value]))] };
}

/** One row of `time` and a number (SCARD, PFCOUNT, DBSIZE). */
export function countFrame(time: number, count: number): Frame {
  return { fields: [{ name: 'time', type: 'time', values: [time] }, { name: 'value', type: 'number', values: [count] }] };
}

/** LRANGE: `index` (position in the list) and `value`. */
export function listFrame(firstIndex: number, values: readonly string[], truncated: boolean): Frame {
  return withMeta({ fields: [{ name: 'index', type: 'number', values: values.map((_, i) => firstIndex + i) }, textColumn('value', values)] }, truncated);
}

/** ZRANGE/ZREVRANGE WITHSCORES (flat member, score, member, score…): `member` (text) and `score`; ±inf scores are null. */
export function sortedSetFrame(flat: readonly string[], truncated: boolean): Frame {
  const members: string[] = [];
  const scores: FieldValue[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    members.push(flat[i] as string);
    scores.push(finiteOrNull(flat[i + 1] as string));
  }
  return withMeta({ fields: [{ name: 'member', type: 'string', values: members }, { name: 'score', type: 'number', values: scores }] }, truncated);
}

/**
 * ZRANGEBYSCORE WITHSCORES on a sorted set scored by time (flat member, score, …): `time` from each score, then
 * the members: when every member is a JSON object (`{"total": 12.5, "items": 3}`), one column per key, in the
 * order of `fieldNames` or of first appearance, like stream fields; otherwise one column `value`.
 */
export function scoredFrame(flat: readonly string[], fieldNames: readonly string[] | undefined, truncated: boolean): Frame {
  const times: number[] = [];
  const members: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const time = finiteOrNull(flat[i + 1] as string);
    if (time === null) continue; // -inf/+inf: not a time
    times.push(time);
    members.push(flat[i] as string);
  }
  const objects = members.map(jsonObject);
  if (members.length === 0 || objects.some((o) => o === undefined)) {
    return withMeta({ fields: [{ name: 'time', type: 'time', values: times }, textColumn('value', members)] }, truncated);
  }
  const entries = objects.map((values) => ({ id: '', values: values! }));
  const names = new ColumnNames(['time']);
  const fields: Field[] = [{ name: 'time', type: 'time', values: times }];
  for (const field of fieldNames ?? streamFieldNames(entries)) fields.push(textColumn(names.claim(field), entries.map((e) => e.values.get(field) ?? null)));
  return withMeta({ fields }, truncated);
}

/** A JSON object member as field → text (numbers as written, nested values as JSON), or undefined when it is none. */
function jsonObject(member: string): Map<string, string> | undefined {
  if (!member.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(member);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const fields = new Map<string, string>();
    for (const [k, v] of Object.entries(value)) if (v !== null) fields.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    return fields;
  } catch {
    return undefined;
  }
}

/** One stream entry: its id and its field/value pairs. */
export interface StreamEntry {
  id: string;
  values: ReadonlyMap<string, string>;
}

/**
 * XRANGE/XREVRANGE: `time` from each entry id's milliseconds, then one column per field, in the order given
 * (or of first appearance); an entry without a field has null there. `sample`, an entry from outside the
 * result, types the columns that have no values, so an empty result has the shape of a full one.
 */
export function streamFrame(entries: readonly StreamEntry[], fieldNames: readonly string[], truncated: boolean, sample?: StreamEntry): Frame {
  const names = new ColumnNames(['time']);
  const fields: Field[] = [{ name: 'time', type: 'time', values: entries.map((e) => entryTime(e.id)) }];
  for (const field of fieldNames) {
    fields.push(textColumn(names.claim(field), entries.map((e) => e.values.get(field) ?? null), sample?.values.get(field)));
  }
  return withMeta({ fields }, truncated);
}

/** The field names of stream entries in order of first appearance. */
export function streamFieldNames(entries: readonly StreamEntry[]): string[] {
  const seen = new Set<string>();
  for (const entry of entries) for (const name of entry.values.keys()) seen.add(name);
  return [...seen];
}

/** The epoch milliseconds of a stream entry id (`1700000000000-3` → 1700000000000). */
export function entryTime(id: string): number {
  const ms = Number(id.split('-', 1)[0]);
  if (!Number.isSafeInteger(ms)) throw new Error(`unexpected stream entry id ${JSON.stringify(id)}`);
  return ms;
}

/** TS.RANGE ([timestamp, value] pairs): `time` and `value`. */
export function timeSeriesFrame(samples: readonly (readonly [number, string])[], truncated: boolean): Frame {
  return withMeta(
    {
      fields: [
        { name: 'time', type: 'time', values: samples.map(([t]) => t) },
        // Samples are doubles by definition, so any number Redis prints counts; NaN (an empty bucket) is no value.
        { name: 'value', type: 'number', values: samples.map(([, v]) => finiteOrNull(v)) },
      ],
    },
    truncated,
  );
}

/**
 * INFO text → one row of `time` and every numeric field, in INFO's order, or only the `wanted` ones in that
 * order (null when INFO has no such number). A field holding `k=v,…` pairs (`db0:keys=5,expires=0`,
 * `cmdstat_get:calls=2,…`) gives one column per numeric pair (`db0_keys`).
 * @example infoFrame(0, 'connected_clients:3\r\nused_memory_human:1.0M') // time, connected_clients
 */
export function infoFrame(time: number, text: string, wanted?: readonly string[]): Frame {
  const all = allInfoFields(time, text);
  if (wanted === undefined) return all;
  const byName = new Map(all.fields.map((f) => [f.name, f]));
  return { fields: [all.fields[0]!, ...wanted.map((name): Field => byName.get(name) ?? { name, type: 'number', values: [null] })] };
}

function allInfoFields(time: number, text: string): Frame {
  const names = new ColumnNames(['time']);
  const fields: Field[] = [{ name: 'time', type: 'time', values: [time] }];
  const add = (name: string, value: number): void => void fields.push({ name: names.claim(name), type: 'number', values: [value] });
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1);
    const number = parseNumber(value);
    if (number !== undefined) add(name, number);
    else if (/^[\w.-]+=[^,]*(,[\w.-]+=[^,]*)*$/.test(value)) {
      for (const pair of value.split(',')) {
        const [key = '', sub = ''] = pair.split('=', 2);
        const n = parseNumber(sub);
        if (n !== undefined) add(`${name}_${key}`, n);
      }
    }
  }
  return { fields };
}

function finiteOrNull(text: string): number | null {
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function withMeta(frame: Frame, truncated: boolean): Frame {
  return truncated ? { ...frame, meta: { truncated: true } } : frame;
}
