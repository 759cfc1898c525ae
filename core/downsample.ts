/**
 * Server-side downsampling of range widgets (docs/time.md, "Downsampling"): a source that answers a range with
 * more rows than the dashboard's `max_points` (raw rows rather than buckets, or a source that cannot bucket)
 * is cut down before any viewer gets it, by min/max per time bucket. For each series (the rows that share
 * their string and boolean values, as a long frame has them) the time span is cut into equal buckets, and of
 * each bucket the rows holding the smallest and the largest value of each number field are kept. Kept rows
 * are rows of the source, never averages, so a one-point spike is still on the chart, at its time and
 * height; an average (or a rule that picks one point per bucket) would flatten it.
 */
import { timeField, type Frame, type FieldValue } from './frame.js';

/** What `frame.meta.downsampled` says: how many rows the source gave, how many were kept, and how. */
export interface DownsampleNote {
  from: number;
  to: number;
  method: 'minmax';
}

/**
 * The frame cut to at most about `maxPoints` rows by min/max per bucket (see the module comment), marked with
 * `meta.downsampled`; the frame itself when it has no time field or no more rows than `maxPoints`.
 * With more series than `maxPoints / 2`, each series keeps its own smallest and largest row, so the result
 * may then have more than `maxPoints` rows.
 * @example downsample(tenThousandRows, 600).meta // { downsampled: { from: 10000, to: 600, method: 'minmax' } }
 */
export function downsample(frame: Frame, maxPoints: number): Frame {
  const time = timeField(frame);
  const rows = time?.values.length ?? 0;
  if (time === undefined || rows <= maxPoints) return frame;
  const numbers = frame.fields.filter((f) => f.type === 'number');
  const labels = frame.fields.filter((f) => f.type === 'string' || f.type === 'boolean');
  const series = new Map<string, number[]>();
  for (let i = 0; i < rows; i++) {
    if (typeof time.values[i] !== 'number') continue; // a row without a time has no place on a time axis
    const name = labels.length === 0 ? '' : JSON.stringify(labels.map((f) => f.values[i]));
    let group = series.get(name);
    if (group === undefined) series.set(name, (group = []));
    group.push(i);
  }
  const budget = Math.max(2, Math.floor(maxPoints / Math.max(1, series.size)));
  // Each bucket keeps up to two rows per number field.
  const buckets = Math.max(1, Math.floor(budget / (2 * Math.max(1, numbers.length))));
  const kept: number[] = [];
  for (const group of series.values()) {
    if (group.length <= budget) kept.push(...group);
    else kept.push(...minMaxRows(group, time.values, numbers.map((f) => f.values), buckets));
  }
  if (kept.length >= rows) return frame;
  kept.sort((a, b) => a - b); // the source's own order
  const fields = frame.fields.map((f) => ({ name: f.name, type: f.type, values: kept.map((i) => f.values[i] as FieldValue) }));
  return { fields, meta: { ...frame.meta, downsampled: { from: rows, to: kept.length, method: 'minmax' } } };
}

/** Of the rows `group` (indexes), those holding each bucket's smallest and largest value of each number column. */
function minMaxRows(group: number[], times: FieldValue[], columns: FieldValue[][], buckets: number): number[] {
  let first = Infinity;
  let last = -Infinity;
  for (const i of group) {
    const t = times[i] as number;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const width = (last - first) / buckets || 1;
  const picked = new Set<number>();
  // Per bucket and column: the row of the smallest and of the largest value so far.
  const low = new Map<number, number>();
  const high = new Map<number, number>();
  const firstOf = new Map<number, number>();
  for (const i of group) {
    const b = Math.min(buckets - 1, Math.floor(((times[i] as number) - first) / width));
    if (!firstOf.has(b)) firstOf.set(b, i);
    columns.forEach((values, c) => {
      const v = values[i];
      if (typeof v !== 'number') return;
      const slot = b * columns.length + c;
      const lo = low.get(slot);
      if (lo === undefined || v < (values[lo] as number)) low.set(slot, i);
      const hi = high.get(slot);
      if (hi === undefined || v > (values[hi] as number)) high.set(slot, i);
    });
  }
  for (const i of low.values()) picked.add(i);
  for (const i of high.values()) picked.add(i);
  // A bucket whose rows hold no number at all still shows that it has rows.
  for (const [b, i] of firstOf) if (!columns.some((_, c) => low.has(b * columns.length + c))) picked.add(i);
  return [...picked];
}
