/**
 * What changed between two states of a widget's frame, in the terms of the wire protocol's update entries
 * (docs/protocol.md): rows dropped at the head, a last row taken back (a bucket still filling), rows added
 * at the tail; or the values replaced under the same columns; or a new frame. A live range chart whose
 * window slid by one bucket changes by one dropped and one added row, and that is all it sends.
 */
import { rowCount, timeField, type Field, type Frame } from './frame.js';

/** A change from one frame to the next. */
export type FrameDelta =
  | { kind: 'same' }
  /** Drop `drop` rows at the head, then `pop` rows at the tail, then append `rows`. */
  | { kind: 'slide'; drop: number; pop: number; rows: Frame }
  /** The same columns with other values. */
  | { kind: 'values' }
  /** Other columns (names, types or order). */
  | { kind: 'frame' };

/** Whether two frames have the same columns: names and types, in order. */
export function sameColumns(a: Frame, b: Frame): boolean {
  const x = a.fields;
  const y = b.fields;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i]!.name !== y[i]!.name || x[i]!.type !== y[i]!.type) return false;
  return true;
}

/** Whether row `i` of `a` equals row `j` of `b` (frames with the same columns). */
export function rowEquals(a: Frame, i: number, b: Frame, j: number): boolean {
  const x = a.fields;
  const y = b.fields;
  for (let k = 0; k < x.length; k++) if (x[k]!.values[i] !== y[k]!.values[j]) return false;
  return true;
}

/**
 * How `next` follows from `prev`. For time series, a window that moved (rows gone at the head, the last
 * bucket updated, new rows at the tail) is a slide; anything else with the same columns is `values`.
 */
export function frameDelta(prev: Frame, next: Frame): FrameDelta {
  if (!sameColumns(prev, next)) return { kind: 'frame' };
  const n = rowCount(prev);
  const m = rowCount(next);
  if (n === m && valuesEqual(prev.fields, next.fields)) return { kind: 'same' };
  const slide = timeField(next) === undefined || n === 0 ? undefined : slideOf(prev, next, n, m);
  return slide ?? { kind: 'values' };
}

/** The slide from `prev` to `next` when `next` starts inside `prev` and agrees with it there; else undefined. */
function slideOf(prev: Frame, next: Frame, n: number, m: number): FrameDelta | undefined {
  const pt = timeField(prev)!.values as number[];
  const first = timeField(next)!.values[0] as number | undefined;
  if (first === undefined) return undefined;
  let drop = 0;
  while (drop < n && pt[drop]! < first) drop++;
  const overlap = n - drop;
  if (overlap > m) return undefined;
  // Every kept row but the last must come back unchanged; the last may be a bucket still filling.
  for (let i = 0; i < overlap - 1; i++) if (!rowEquals(prev, drop + i, next, i)) return undefined;
  let pop = 0;
  let start = overlap;
  // (A live range's last row sits at "now" and moves on each run: it is taken back whatever its time.)
  if (overlap > 0 && !rowEquals(prev, n - 1, next, overlap - 1)) {
    pop = 1;
    start = overlap - 1;
  }
  // Sending most of the window as "added" is no saving over sending its values.
  if (m - start >= m && drop > 0) return undefined;
  return { kind: 'slide', drop, pop, rows: { fields: next.fields.map((f) => ({ name: f.name, type: f.type, values: f.values.slice(start) })) } };
}

function valuesEqual(a: readonly Field[], b: readonly Field[]): boolean {
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!.values;
    const y = b[k]!.values;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** An update's data as the protocol carries it: `a` (rows added, after `x` dropped and `p` taken back), `v` or `f`. */
export function deltaBody(delta: Exclude<FrameDelta, { kind: 'same' }>, frame: Frame): string {
  switch (delta.kind) {
    case 'slide':
      return `,"a":${columnsJson(delta.rows)}${delta.drop > 0 ? `,"x":${delta.drop}` : ''}${delta.pop > 0 ? `,"p":${delta.pop}` : ''}`;
    case 'values':
      return `,"v":${columnsJson(frame)}`;
    case 'frame':
      return `,"f":${JSON.stringify({ fields: frame.fields })}`;
  }
}

/** The frame's facts (truncated, downsampled), sent with every entry that carries data. */
export function metaBody(frame: Frame): string {
  return frame.meta === undefined || Object.keys(frame.meta).length === 0 ? '' : `,"meta":${JSON.stringify(frame.meta)}`;
}

/** The values of each column, in the frame's column order: `[[t1,t2],[v1,v2]]`. */
function columnsJson(frame: Frame): string {
  const fields = frame.fields;
  let json = '[';
  for (let i = 0; i < fields.length; i++) json += (i === 0 ? '' : ',') + JSON.stringify(fields[i]!.values);
  return json + ']';
}
