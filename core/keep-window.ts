/**
 * The rows a widget's history keeps: its frames in time order, cut to what `keep` holds (a number of points, or
 * a duration back from the newest row).
 */
import { rowCount, timeField, type Frame } from './frame.js';
import type { Keep } from './model.js';

/** `frame` in time order (itself when it is already). */
export function sortedByTime(frame: Frame): Frame {
  const t = timeField(frame);
  if (!t) return frame;
  const v = t.values as number[];
  let sorted = true;
  for (let i = 1; i < v.length && sorted; i++) sorted = (v[i - 1] as number) <= (v[i] as number);
  if (sorted) return frame;
  const order = v.map((_, i) => i).sort((a, b) => (v[a] as number) - (v[b] as number));
  return { fields: frame.fields.map((f) => ({ ...f, values: order.map((i) => f.values[i] as never) })) };
}

/** How many rows at the head of `frame` fall outside what `keep` holds. */
function excess(frame: Frame, keep: Keep): number {
  const n = rowCount(frame);
  if (keep.kind === 'points') return Math.max(0, n - keep.count);
  const t = timeField(frame);
  let drop = 0;
  if (t && n > 0) {
    const cutoff = (t.values[n - 1] as number) - keep.ms;
    while (drop < n && (t.values[drop] as number) < cutoff) drop++;
  }
  return drop;
}

/** `frame` cut to what `keep` holds, as a new frame (the source's frame is left as it was). */
export function trimmed(frame: Frame, keep: Keep): Frame {
  const drop = excess(frame, keep);
  if (drop === 0) return frame;
  return { fields: frame.fields.map((f) => ({ name: f.name, type: f.type, values: f.values.slice(drop) })) };
}

/** Cuts the history's own frame to what `keep` holds, in place (no copy of the kept values each run); returns the rows dropped. */
export function trimInPlace(frame: Frame, keep: Keep): number {
  const drop = excess(frame, keep);
  if (drop > 0) for (const f of frame.fields) f.values.splice(0, drop);
  return drop;
}
