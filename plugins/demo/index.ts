/**
 * The `demo` data source: a simulated shop (users, orders, revenue, latency) that needs nothing external,
 * so `rtdash serve` without a config has something alive to show. See README.md for metrics and columns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type DataSource, type JsonSchema } from '../../core/plugin.js';
import { METRICS, SERIES_METRICS, bucketTimes, metricFrame, type Metric, type RegionChoice } from './metrics.js';
import { REGIONS, Shop } from './model.js';

/** Options of a `demo` instance in config.yaml. */
export interface DemoOptions {
  /** Picks one of many equally plausible shops; the same seed always gives the same numbers. Default 1. */
  seed?: number;
  /** The shop's timezone as an offset from UTC in hours: where night and afternoon fall. Default 0. */
  timezone_offset_hours?: number;
}

/** A widget's `query:` for the demo source: a metric name, or a metric and a region (a literal or a `:variable`). */
export type DemoQuery = Metric | { metric: Metric; region?: string; bucket?: ':bucket' };

const REGION_CHOICES: readonly string[] = [...REGIONS, 'all'];
const VARIABLE_REF = /^:([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Reads a query and looks up a `:variable` region in the bound variables. Throws with a message that names
 * what was expected, so a misconfigured widget says what to fix.
 * @example resolveQuery({ metric: 'revenue', region: ':region' }, { region: 'eu' }) // { metric: 'revenue', region: 'eu' }
 */
export function resolveQuery(query: DemoQuery, variables: Readonly<Record<string, string>>): { metric: Metric; region: RegionChoice } {
  // Guarded at run time too: a caller that skipped the schema still gets a message, not a TypeError.
  const { metric, region } = typeof query === 'object' && query !== null ? query : { metric: query, region: undefined };
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw new Error(`unknown metric: expected one of ${list(METRICS)}; got ${JSON.stringify(metric)}`);
  }
  if (region === undefined) return { metric, region: 'all' };
  const ref = VARIABLE_REF.exec(region);
  const name = ref?.[1];
  // Own-property lookup only: a variable named like an Object.prototype member must not resolve to it.
  const value = name === undefined ? region : Object.hasOwn(variables, name) ? variables[name] : undefined;
  if (name !== undefined && value === undefined) throw new Error(`region: variable "${name}" is not set`);
  if (value === undefined || !REGION_CHOICES.includes(value)) {
    const from = name === undefined ? '' : ` (from variable "${name}")`;
    throw new Error(`region: expected one of ${list(REGION_CHOICES)}; got ${JSON.stringify(value)}${from}`);
  }
  return { metric, region: value as RegionChoice };
}

/** The `demo` plugin definition. */
export default definePlugin<DemoOptions, DemoQuery>({
  type: 'demo',
  description: 'A simulated shop: active users, orders, revenue, latency and errors with a daily rhythm. Needs nothing external.',
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  create(ctx): DataSource<DemoQuery> {
    const seed = ctx.options.seed ?? 1;
    const tz = ctx.options.timezone_offset_hours ?? 0;
    if (!Number.isInteger(seed)) throw new TypeError(`demo: seed must be an integer; got ${JSON.stringify(seed)}`);
    if (!Number.isFinite(tz) || tz < -12 || tz > 14) {
      throw new TypeError(`demo: timezone_offset_hours must be a number from -12 to 14; got ${JSON.stringify(tz)}`);
    }
    const shop = new Shop(seed, tz);
    let closed = false;
    ctx.signal.addEventListener('abort', () => (closed = true), { once: true });
    return {
      async query(query, qctx) {
        qctx.signal.throwIfAborted();
        if (closed) throw new Error(`demo source "${ctx.name}" is closed`);
        const { metric, region } = resolveQuery(query, qctx.variables);
        if (typeof query !== 'object' || query?.bucket === undefined) return metricFrame(shop, metric, region, qctx.range, qctx.intervalMs);
        // A range chart: the viewer's whole range, one point per bucket, computed for any time (past ones too).
        if (!SERIES_METRICS.includes(metric)) throw new Error(`bucket: ${JSON.stringify(metric)} is not a series over time; "bucket" works with ${list(SERIES_METRICS)}`);
        if (qctx.bucketSeconds === undefined) throw new Error('bucket: ":bucket" needs a dashboard with a "time:" block');
        const times = bucketTimes(qctx.range, qctx.bucketSeconds * 1000, qctx.rangeLive === true);
        return metricFrame(shop, metric, region, qctx.range, qctx.bucketSeconds * 1000, times);
      },
      async health() {
        return closed ? { status: 'down', message: 'closed' } : { status: 'ok' };
      },
      close() {
        closed = true;
      },
    };
  },
});

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'demo', file), 'utf8')) as JsonSchema;
}

function list(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
