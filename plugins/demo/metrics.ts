/**
 * Turns the shop simulation into frames: which metric has which columns, which times a query answers for,
 * and how regions add up to "all".
 */
import type { Field, FieldType, FieldValue, Frame, TimeRange } from '../../core/plugin.js';
import { REGIONS, type Order, type Region, type Shop } from './model.js';

/** Every metric the demo source answers, in the order the README lists them. */
export const METRICS = [
  'active_users',
  'revenue',
  'orders',
  'response_time',
  'conversion',
  'error_rate',
  'orders_by_region',
  'recent_orders',
] as const;
/** A metric name. */
export type Metric = (typeof METRICS)[number];
/** A region, or the whole shop. */
export type RegionChoice = Region | 'all';

/** Most rows one query returns; longer ranges get a coarser step instead of more points. */
export const MAX_POINTS = 2000;
/** Finest spacing of points, whatever the widget's interval. */
export const MIN_STEP_MS = 1000;
/** Rows of `recent_orders`. */
export const RECENT_ORDERS = 10;

const MINUTE = 60_000;
/** How far `recent_orders` looks back before giving up: a quiet night still fills the table. */
const RECENT_LOOKBACK_S = 6 * 3600;

/** The spacing a widget interval asks for, never finer than MIN_STEP_MS. */
export function baseStep(intervalMs: number): number {
  return Number.isFinite(intervalMs) ? Math.max(MIN_STEP_MS, Math.round(intervalMs)) : MIN_STEP_MS;
}

/**
 * The times a series answers for: multiples of the step in (from, to]. Because they are aligned to the epoch, the
 * next query, whose range starts where this one ended, continues without a gap or a duplicate. Past `cap` points
 * the step grows to a multiple of itself, counted back from the last fine boundary, so coarse back-fill still
 * lands on the fine grid and still ends where the next query takes over.
 * @example stepTimes({ from: 1500, to: 4000 }, 1000) // [2000, 3000, 4000]
 */
export function stepTimes(range: TimeRange, intervalMs: number, cap = MAX_POINTS): number[] {
  return gridTimes(range, intervalMs, cap);
}

function gridTimes(range: TimeRange, intervalMs: number, cap = MAX_POINTS): number[] {
  const base = baseStep(intervalMs);
  const first = Math.floor(range.from / base) + 1;
  const last = Math.floor(range.to / base);
  const count = last - first + 1;
  if (count <= 0 || cap <= 0) return [];
  const stride = Math.ceil(count / cap);
  const times: number[] = [];
  for (let i = last - (Math.ceil(count / stride) - 1) * stride; i <= last; i += stride) times.push(i * base);
  return times;
}

/** The metrics that are series over time: the ones a `bucket: ":bucket"` query answers a range of. */
export const SERIES_METRICS: readonly Metric[] = ['active_users', 'revenue', 'orders', 'response_time', 'conversion', 'error_rate'];

/**
 * The times of a range answered at a bucket (a range chart): multiples of the bucket in (from, to], at most
 * floor((to - from) / bucket) of them, so a bucket chosen for max_points keeps the chart under it. A live
 * (relative) range ends with a point at `to` itself, the figure of this moment, so the chart's right edge
 * moves at every run; the oldest point makes room for it.
 * @example bucketTimes({ from: 0, to: 4500 }, 1000, false) // [1000, 2000, 3000, 4000]
 */
export function bucketTimes(range: TimeRange, bucketMs: number, live: boolean): number[] {
  const limit = Math.max(1, Math.floor((range.to - range.from) / bucketMs));
  const times: number[] = [];
  for (let t = (Math.floor(range.from / bucketMs) + 1) * bucketMs; t <= range.to; t += bucketMs) times.push(t);
  if (live && times[times.length - 1] !== range.to) times.push(range.to);
  return times.length > limit ? times.slice(times.length - limit) : times;
}

/**
 * Answers one metric for one region over a range. Pure: the same arguments give the same frame. `times`, when
 * given, are the points a series metric answers for (bucketTimes); otherwise the step grid of the interval.
 */
export function metricFrame(shop: Shop, metric: Metric, region: RegionChoice, range: TimeRange, intervalMs: number, at?: number[]): Frame {
  const regions: readonly Region[] = region === 'all' ? REGIONS : [region];
  const stepTimes = (r: TimeRange, ms: number): number[] => at ?? gridTimes(r, ms);
  switch (metric) {
    case 'active_users': {
      const times = at ?? activeUserTimes(range, intervalMs);
      return frame(['time', 'time', times], ['active_users', 'number', times.map((t) => sum(regions, (r) => shop.users(r, t)))]);
    }
    case 'revenue':
    case 'orders': {
      const times = stepTimes(range, intervalMs);
      const { counts, cents } = trailingMinute(shop, regions, times);
      return metric === 'orders'
        ? frame(['time', 'time', times], ['orders', 'number', counts])
        : frame(['time', 'time', times], ['revenue', 'number', cents.map((c) => c / 100)]);
    }
    case 'response_time': {
      const times = stepTimes(range, intervalMs);
      const rows = times.map((t) => regions.map((r) => ({ w: shop.weight(r, t), v: shop.latency(r, t) })));
      const pick = (k: 'p50' | 'p95' | 'p99'): number[] => rows.map((row) => round(weighted(row.map(({ w, v }) => ({ w, v: v[k] }))), 1));
      return frame(['time', 'time', times], ['p50', 'number', pick('p50')], ['p95', 'number', pick('p95')], ['p99', 'number', pick('p99')]);
    }
    case 'conversion':
    case 'error_rate': {
      const times = stepTimes(range, intervalMs);
      const digits = metric === 'conversion' ? 2 : 3;
      const values = times.map((t) => {
        const parts = regions.map((r) => ({ w: shop.weight(r, t), v: metric === 'conversion' ? shop.conversion(r, t) : shop.errorRate(r, t) }));
        return round(weighted(parts), digits);
      });
      return frame(['time', 'time', times], [metric, 'number', values]);
    }
    case 'orders_by_region': {
      const counts = regions.map((r) => ordersBetween(shop, r, range.to - 60 * MINUTE, range.to));
      return frame(['region', 'string', [...regions]], ['orders', 'number', counts]);
    }
    case 'recent_orders': {
      const orders = recentOrders(shop, regions, range.to);
      return frame(
        ['time', 'time', orders.map((o) => o.time)],
        ['order_id', 'string', orders.map((o) => o.id)],
        ['region', 'string', orders.map((o) => o.region)],
        ['total', 'number', orders.map((o) => o.totalCents / 100)],
        ['status', 'string', orders.map((o) => shop.status(o, range.to))],
      );
    }
  }
}

/**
 * `active_users` is a gauge: one point at the moment of the query. When the range spans more than two steps (the
 * first run, or a run after a gap) the step grid before it is back-filled too, so the chart starts full.
 */
function activeUserTimes(range: TimeRange, intervalMs: number): number[] {
  if (range.to <= range.from) return [];
  const backFill = range.to - range.from > 2 * baseStep(intervalMs);
  const times = backFill ? stepTimes(range, intervalMs, MAX_POINTS - 1).filter((t) => t < range.to) : [];
  times.push(range.to);
  return times;
}

/**
 * Orders and revenue in the minute up to each time. One sweep over the orders with two pointers: each second is
 * generated once however much the windows overlap, and seconds no window covers are never generated.
 */
function trailingMinute(shop: Shop, regions: readonly Region[], times: number[]): { counts: number[]; cents: number[] } {
  const orderTimes: number[] = [];
  const prefixCents = [0];
  let generatedTo = -Infinity;
  let lo = 0;
  let hi = 0;
  const counts: number[] = [];
  const cents: number[] = [];
  for (const t of times) {
    const last = Math.floor(t / 1000);
    for (let s = Math.max(generatedTo + 1, Math.floor((t - MINUTE) / 1000)); s <= last; s++) {
      for (const order of ordersIn(shop, regions, s)) {
        orderTimes.push(order.time);
        prefixCents.push((prefixCents[prefixCents.length - 1] as number) + order.totalCents);
      }
    }
    generatedTo = last;
    while (hi < orderTimes.length && (orderTimes[hi] as number) <= t) hi++;
    while (lo < hi && (orderTimes[lo] as number) <= t - MINUTE) lo++;
    counts.push(hi - lo);
    cents.push((prefixCents[hi] as number) - (prefixCents[lo] as number));
  }
  return { counts, cents };
}

/** Orders of a region placed in (from, to]. */
function ordersBetween(shop: Shop, region: Region, from: number, to: number): number {
  let count = 0;
  for (let s = Math.floor(from / 1000); s <= Math.floor(to / 1000); s++) {
    const order = shop.orderAt(region, s);
    if (order !== undefined && order.time > from && order.time <= to) count++;
  }
  return count;
}

/** The newest orders placed at or before `now`, newest first. */
function recentOrders(shop: Shop, regions: readonly Region[], now: number): Order[] {
  const found: Order[] = [];
  const newest = Math.floor(now / 1000);
  for (let s = newest; s > newest - RECENT_LOOKBACK_S && found.length < RECENT_ORDERS; s--) {
    const orders = ordersIn(shop, regions, s).filter((o) => o.time <= now);
    found.push(...orders.reverse().slice(0, RECENT_ORDERS - found.length));
  }
  return found;
}

/** The orders of one second across regions, oldest first. */
function ordersIn(shop: Shop, regions: readonly Region[], second: number): Order[] {
  const orders: Order[] = [];
  for (const r of regions) {
    const order = shop.orderAt(r, second);
    if (order !== undefined) orders.push(order);
  }
  return orders.length > 1 ? orders.sort((a, b) => a.time - b.time) : orders;
}

function frame(...columns: [string, FieldType, FieldValue[]][]): Frame {
  return { fields: columns.map(([name, type, values]): Field => ({ name, type, values })) };
}

function sum(regions: readonly Region[], value: (r: Region) => number): number {
  let total = 0;
  for (const r of regions) total += value(r);
  return total;
}

function weighted(parts: { w: number; v: number }[]): number {
  let total = 0;
  let weight = 0;
  for (const { w, v } of parts) {
    total += w * v;
    weight += w;
  }
  return weight > 0 ? total / weight : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
