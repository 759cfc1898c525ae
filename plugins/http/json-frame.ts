/**
 * JSON responses into frames: a JSONPath picks the rows, one JSONPath per field picks a value in each row,
 * and each value is converted to the field's type. JSONPath is jsonpath-plus, always with `eval: false`, so
 * script and filter expressions are refused instead of evaluated.
 */
import { JSONPath } from 'jsonpath-plus';
import type { FieldType, FieldValue, Frame } from '../../core/plugin.js';

/** One column of a JSON query: its name, a JSONPath relative to the row (first match wins) and its type. */
export interface FieldSpec {
  name: string;
  path: string;
  type: FieldType;
}

/** Time numbers below this are seconds since the epoch, at or above it milliseconds (1e11 s is the year 5138; 1e11 ms is March 1973). */
export const SECONDS_BELOW = 1e11;

/** Media types read as JSON besides `…/json` and `…+json`: servers that label JSON loosely, or not at all. */
const LOOSE_JSON = new Set(['', 'text/plain', 'application/octet-stream']);

/**
 * Every value a JSONPath selects in `json`. Scripts are never run: jsonpath-plus is called with `eval: false`,
 * which rejects `?(...)` and `(...)` expressions with an error (the query schema refuses them earlier).
 * @example select('$.data[*].id', { data: [{ id: 1 }, { id: 2 }] }) // [1, 2]
 */
export function select(path: string, json: unknown): unknown[] {
  if (json === undefined || json === null) return [];
  let found: unknown;
  try {
    found = JSONPath({ path, json: json as object, eval: false, wrap: true });
  } catch (err) {
    throw new Error(`http: JSONPath ${JSON.stringify(path)} cannot be used: ${err instanceof Error ? err.message : String(err)}`);
  }
  return Array.isArray(found) ? found : [];
}

/**
 * Parses a response body as JSON, or explains why it is not: an HTML page (a login or error page, usually)
 * is named as such rather than reported as a syntax error at position 0.
 */
export function parseJsonBody(text: string, mediaType: string, where: string): unknown {
  const isJson = mediaType.endsWith('/json') || mediaType.endsWith('+json') || LOOSE_JSON.has(mediaType);
  if (!isJson) throw new Error(`http: expected JSON, got ${mediaType} from ${where}: ${snippetOf(text)}`);
  if (text.trim() === '') throw new Error(`http: expected JSON, got an empty body from ${where}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const what = mediaType === '' ? 'no content type' : mediaType;
    throw new Error(`http: the response from ${where} (${what}) is not valid JSON: ${err instanceof Error ? err.message : String(err)}; it starts ${snippetOf(text)}`);
  }
}

/**
 * Maps a JSON document to a frame: the rows that `rows` selects (at most `maxRows`, flagging the frame as
 * truncated when there were more), one field per spec. No rows gives the declared fields with no values.
 * @example jsonFrame({ data: [{ t: 1700000000, v: '2.5' }] }, '$.data[*]', [{ name: 'v', path: '$.v', type: 'number' }], 100) // v: [2.5]
 */
export function jsonFrame(document: unknown, rows: string, fields: readonly FieldSpec[], maxRows: number): Frame {
  const selected = select(rows, document);
  const kept = selected.length > maxRows ? selected.slice(0, maxRows) : selected;
  const frame: Frame = {
    fields: fields.map((spec) => ({
      name: spec.name,
      type: spec.type,
      values: kept.map((row) => toFieldValue(select(spec.path, row)[0], spec.type)),
    })),
  };
  if (selected.length > maxRows) frame.meta = { truncated: true };
  return frame;
}

/**
 * Converts one JSON value to a field's type, or null when it has no such reading. Lenient on purpose (APIs
 * send numbers as strings, times as seconds or ISO text), and null rather than an error, so one odd value
 * does not blank a widget.
 * @example toFieldValue('2024-06-12T12:00:00Z', 'time') // 1718193600000
 */
export function toFieldValue(value: unknown, type: FieldType): FieldValue {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'number':
      return toNumber(value);
    case 'time': {
      if (typeof value === 'boolean') return null;
      if (typeof value === 'string' && !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
        const ms = Date.parse(value);
        return Number.isFinite(ms) ? ms : null;
      }
      const n = toNumber(value);
      if (n === null) return null;
      return Math.abs(n) < SECONDS_BELOW ? Math.round(n * 1000) : Math.round(n);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (text === 'true' || text === '1' || text === 'yes') return true;
        if (text === 'false' || text === '0' || text === 'no') return false;
      }
      return null;
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  // Number('') is 0: an empty string is no value, not zero.
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The start of a body, on one line, for error messages. */
export function snippetOf(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}…` : line);
}
