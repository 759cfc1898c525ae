/**
 * From mysql2's column metadata and row arrays to a frame: each column's type is decided once from its
 * declared MySQL type (not from the values, so a column of NULLs or zero rows still has a type).
 */
import type { FieldPacket } from 'mysql2';
import type { Field, FieldType, FieldValue, Frame } from '../../core/frame.js';

// MySQL protocol column types (mysql2's Types), written out so the mapping reads as one table.
const T = {
  DECIMAL: 0x00, TINY: 0x01, SHORT: 0x02, LONG: 0x03, FLOAT: 0x04, DOUBLE: 0x05, TIMESTAMP: 0x07,
  LONGLONG: 0x08, INT24: 0x09, DATE: 0x0a, DATETIME: 0x0c, YEAR: 0x0d, NEWDATE: 0x0e, BIT: 0x10,
  TIMESTAMP2: 0x11, DATETIME2: 0x12, NEWDECIMAL: 0xf6,
} as const;

const NUMBER_TYPES = new Set<number>([T.DECIMAL, T.NEWDECIMAL, T.TINY, T.SHORT, T.LONG, T.INT24, T.LONGLONG, T.FLOAT, T.DOUBLE, T.YEAR]);
const TIME_TYPES = new Set<number>([T.DATE, T.NEWDATE, T.DATETIME, T.DATETIME2, T.TIMESTAMP, T.TIMESTAMP2]);

/**
 * The frame type of a column. BIT(1) is boolean; TINYINT(1) (what BOOLEAN means in MySQL) stays a number,
 * because the same metadata also describes small counters and 0/1 flags that are summed.
 * @example fieldTypeOf({ columnType: 0xf6 } as FieldPacket) // 'number' (DECIMAL)
 */
export function fieldTypeOf(column: Pick<FieldPacket, 'columnType' | 'type' | 'columnLength'>): FieldType {
  const type = column.columnType ?? column.type;
  if (type === undefined) return 'string';
  if (TIME_TYPES.has(type)) return 'time';
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === T.BIT) return column.columnLength === 1 ? 'boolean' : 'number';
  return 'string';
}

/**
 * One cell in the frame's terms. Times are epoch ms (an unreadable zero date is null); numbers beyond 2^53
 * come as the nearest double; binary strings are shown as hex; anything unrecognised becomes text.
 * @example toFieldValue('time', new Date(0)) // 0
 */
export function toFieldValue(type: FieldType, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'time':
      return finite(raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? Date.parse(raw) : Number(raw));
    case 'number':
      return finite(Buffer.isBuffer(raw) ? bitsToNumber(raw) : typeof raw === 'number' ? raw : Number(raw));
    case 'boolean':
      return Buffer.isBuffer(raw) ? raw.some((byte) => byte !== 0) : Boolean(Number(raw));
    case 'string':
      return text(raw);
  }
}

/**
 * Builds the frame from the first result set's columns and rows. Column names must be distinct and
 * non-empty (the frame's rule); a clash is reported with the fix rather than renamed behind the author's back.
 */
export function buildFrame(columns: readonly FieldPacket[], rows: readonly unknown[][], truncated: boolean): Frame {
  const seen = new Set<string>();
  const fields: Field[] = columns.map((column, index) => {
    const name = column.name;
    if (name === '') throw new Error(`column ${index + 1} has no name; give it one with AS`);
    if (seen.has(name)) throw new Error(`the column name "${name}" appears twice; give one of them another name with AS`);
    seen.add(name);
    const type = fieldTypeOf(column);
    return { name, type, values: rows.map((row) => toFieldValue(type, row[index])) };
  });
  return truncated ? { fields, meta: { truncated: true } } : { fields };
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** BIT(n) arrives as big-endian bytes. */
function bitsToNumber(bytes: Buffer): number {
  let n = 0;
  for (const byte of bytes) n = n * 256 + byte;
  return n;
}

function text(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('hex');
  if (raw instanceof Date) return Number.isFinite(raw.getTime()) ? raw.toISOString() : '';
  if (typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
}
