/**
 * From PostgreSQL result columns to frame fields. The driver hands over every value as the server's text (see
 * RAW_TEXT), and the column's type OID decides the field type here, so the mapping is one table in one place and
 * does not depend on global pg-types settings that other code in the process might change.
 */
import type { CustomTypesConfig, FieldDef } from 'pg';
import type { Field, FieldType, FieldValue, Frame } from '../../core/plugin.js';

/** One result row as text, in column order; null is SQL NULL. */
export type RawRow = (string | null)[];

/** Type parsers that keep the server's text, so no value is converted before its column type is known. */
export const RAW_TEXT: CustomTypesConfig = { getTypeParser: () => (text: string) => text };

/** Type OIDs rtdash reads as something other than a string (from pg_type; stable across versions). */
export const OID = Object.freeze({
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  float4: 700,
  float8: 701,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
});

const FIELD_TYPES = new Map<number, FieldType>([
  [OID.bool, 'boolean'],
  [OID.int2, 'number'],
  [OID.int4, 'number'],
  [OID.int8, 'number'],
  [OID.float4, 'number'],
  [OID.float8, 'number'],
  [OID.numeric, 'number'],
  [OID.date, 'time'],
  [OID.timestamp, 'time'],
  [OID.timestamptz, 'time'],
]);

/** The frame type of a column of the given type OID: everything not listed is a string (json, uuid, interval…). */
export function fieldTypeOf(oid: number): FieldType {
  return FIELD_TYPES.get(oid) ?? 'string';
}

/**
 * Reads one cell's text as a value of the field type. Numbers that are not finite (NaN, Infinity) and times at
 * ±infinity become null, because a frame holds only finite numbers.
 * @example parseValue('12.50', 'number') // 12.5
 */
export function parseValue(text: string | null, type: FieldType): FieldValue {
  if (text === null) return null;
  switch (type) {
    case 'number': {
      // Number() is exact up to 2^53; larger bigint and numeric values lose their last digits (see README).
      const n = Number(text);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return text === 't';
    case 'time':
      return parseTime(text);
    default:
      return text;
  }
}

// ISO DateStyle output: `2024-06-12`, `2024-06-12 13:45:00.123456`, `… +02`, `… -03:30`, `… +00:09:21`, `… BC`.
const ISO_TIME = /^(\d{4,})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d+))?)?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * Epoch milliseconds of a date, timestamp or timestamptz in PostgreSQL's ISO text. A timestamp without time zone
 * and a date are read as UTC; sub-millisecond digits are dropped. Returns null for infinity and for text it
 * cannot read.
 * @example parseTime('2024-06-12 14:00:00+02') // Date.UTC(2024, 5, 12, 12)
 */
export function parseTime(text: string): number | null {
  const m = ISO_TIME.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  const year = bc === undefined ? Number(y) : 1 - Number(y);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((frac ?? '').padEnd(3, '0').slice(0, 3)));
  const offsetSeconds = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const ms = date.getTime() - offsetSeconds * 1000;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A frame from a result's columns and text rows, cut at `maxRows` and flagged when there were more. Columns keep
 * their types with zero rows; a repeated column name gets a suffix (`total`, `total_2`), since frame names are unique.
 */
export function toFrame(columns: readonly FieldDef[], rows: readonly RawRow[], maxRows: number): Frame {
  const truncated = rows.length > maxRows;
  const kept = truncated ? rows.slice(0, maxRows) : rows;
  const names = uniqueNames(columns.map((c) => c.name));
  const fields: Field[] = columns.map((column, i) => {
    const type = fieldTypeOf(column.dataTypeID);
    return { name: names[i] as string, type, values: kept.map((row) => parseValue(row[i] ?? null, type)) };
  });
  return truncated ? { fields, meta: { truncated: true } } : { fields };
}

function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base = name === '' ? 'column' : name;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}
