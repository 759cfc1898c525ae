/**
 * What a chart shows of a frame: the series of its `y` columns against x, cut to the widget's time window, so that
 * however long a page runs, the points handed to ApexCharts stay bounded.
 */
import { keptMs, keptPoints, lastNumberIndex, numberAt, rowCount, valueFields, xField } from '../client/frame.js';
import type { DashboardRange, Frame, WidgetDefinition } from '../client/types.js';

/** Most points per series: past this, more points than a panel has pixels only cost redraw time. */
export const MAX_POINTS = 2000;
/** Most bars of a category chart. */
export const MAX_CATEGORIES = 200;
/** The window of a widget that says nothing about its history and has a single point. */
const DEFAULT_SPAN_MS = 60_000;

/** One series as ApexCharts takes it: `[time, value]` pairs on a time axis, values by category otherwise. */
export interface ChartSeries {
  name: string;
  data: [number, number | null][] | (number | null)[];
}

/** The series, their axis, and the latest values (for the accessible name). */
export interface ChartData {
  /** `datetime` when x is a time column, `category` otherwise (strings, or row numbers without an x column). */
  axis: 'datetime' | 'category';
  series: ChartSeries[];
  /** The category labels, on a category axis. */
  categories: string[];
  /** The time window, on a datetime axis: it ends now (or at the last point, if that is later). */
  window?: { min: number; max: number };
  /** What the latest values are, in words: `[label, value]` (series names on a time axis, categories otherwise). */
  latest: [string, number | null][];
}

/** How wide the widget's time window is: its kept age, else its kept points times its interval, else its data's span. */
export function windowSpan(definition: WidgetDefinition | undefined, first: number, last: number): number {
  const ms = keptMs(definition);
  if (ms !== undefined) return ms;
  const points = keptPoints(definition);
  if (points !== undefined && definition?.intervalMs !== undefined) return points * definition.intervalMs;
  return last > first ? last - first : DEFAULT_SPAN_MS;
}

/**
 * The time window of a chart under a dashboard's time range: the range itself when it is absolute; as long as it
 * and ending now when it slides with the clock.
 */
export function rangeWindow(range: Pick<DashboardRange, 'fromMs' | 'toMs' | 'live'>, now: number): { min: number; max: number } {
  if (!range.live) return { min: range.fromMs, max: range.toMs };
  const max = Math.max(now, range.toMs);
  return { min: max - (range.toMs - range.fromMs), max };
}

/**
 * The chart's data at `now` (the server's clock, as well as the client can tell it). Under a dashboard's time
 * `range` the window is the range, not the widget's kept history.
 */
export function chartData(definition: WidgetDefinition | undefined, frame: Frame | undefined, now: number, range?: Pick<DashboardRange, 'fromMs' | 'toMs' | 'live'>): ChartData {
  const x = xField(definition, frame);
  const ys = valueFields(definition, frame);
  const rows = rowCount(frame);
  if (x?.type !== 'time') {
    const from = Math.max(0, rows - MAX_CATEGORIES);
    const categories = Array.from({ length: rows - from }, (_, i) => String(x?.values[from + i] ?? from + i + 1));
    const series = ys.map((field) => ({ name: field.name, data: categories.map((_, i) => numberAt(field, from + i)) }));
    const first = ys[0];
    const latest: [string, number | null][] =
      ys.length === 1 && first !== undefined ? categories.map((c, i) => [c, numberAt(first, from + i)]) : ys.map((f) => [f.name, numberAt(f, lastNumberIndex(f))]);
    return { axis: 'category', series, categories, latest };
  }
  const lastRow = lastNumberIndex(x);
  const last = numberAt(x, lastRow) ?? now;
  const { min, max } = range !== undefined ? rangeWindow(range, now) : windowFromKeep(definition, numberAt(x, 0) ?? last, last, now);
  // Rows are in time order (the protocol appends later rows): walk back from the end until the window or a cap ends.
  const cap = range !== undefined ? MAX_POINTS : Math.min(MAX_POINTS, keptPoints(definition) ?? MAX_POINTS);
  let from = rows;
  while (from > 0 && rows - from < cap) {
    const t = numberAt(x, from - 1);
    if (t !== null && t < min) break;
    from -= 1;
  }
  const series = ys.map((field) => {
    const data: [number, number | null][] = [];
    for (let i = from; i < rows; i++) {
      const t = numberAt(x, i);
      if (t !== null) data.push([t, numberAt(field, i)]);
    }
    return { name: field.name, data };
  });
  const latest: [string, number | null][] = ys.map((f) => {
    const i = lastNumberIndex(f);
    return [f.name, i >= from ? numberAt(f, i) : null];
  });
  return { axis: 'datetime', series, categories: [], window: { min, max }, latest };
}

/** The window a widget's kept history gives: it ends now (or at the last point, if that is later). */
function windowFromKeep(definition: WidgetDefinition | undefined, first: number, last: number, now: number): { min: number; max: number } {
  const max = Math.max(now, last);
  return { min: max - windowSpan(definition, first, last), max };
}
