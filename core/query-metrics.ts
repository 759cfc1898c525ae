/**
 * rtdash_queries_total and rtdash_query_duration_seconds, counted in plain numbers per source and turned into
 * Prometheus samples only when scraped. A job takes its source's figures once (`QueryMetrics.of`) and bumps
 * them on each run: no label object, no label hash and no closure per query, which prom-client's `inc` and
 * `observe` cost on every call. The exposition is the same as prom-client's Counter and Histogram give.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ErrorCode } from './errors.js';

/** The duration buckets, in seconds. */
export const QUERY_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const DURATION_NAME = 'rtdash_query_duration_seconds';
const DURATION_HELP = 'Data-source query duration';

/** The query figures of one source. */
export class SourceQueries {
  readonly source: string;
  /** Queries by outcome (`ok`, `error`, `timeout`, `malformed`, `cancelled`). */
  readonly outcomes = new Map<string, number>();
  /** Observations per bucket of QUERY_DURATION_BUCKETS (not cumulative), the last one past every bound. */
  readonly buckets = new Float64Array(QUERY_DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  /** 1 when the last query that ended answered, 0 when it failed; none before the first. */
  up: 0 | 1 | undefined;

  constructor(source: string) {
    this.source = source;
  }

  /** Counts one query that ended with `outcome`. */
  done(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    // A query cancelled at shutdown says nothing of the source.
    if (outcome !== 'cancelled') this.up = outcome === 'ok' ? 1 : 0;
  }

  /** Records one query's duration in seconds. */
  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`);
    let i = 0;
    while (i < QUERY_DURATION_BUCKETS.length && seconds > QUERY_DURATION_BUCKETS[i]!) i++;
    this.buckets[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** The `outcome` label of a query that failed with `code`. */
export function outcomeOf(code: ErrorCode): string {
  if (code === 'RTDASH_QUERY_TIMEOUT' || code === 'RTDASH_CONNECTION_WAIT') return 'timeout';
  if (code === 'RTDASH_FRAME_MALFORMED') return 'malformed';
  if (code === 'RTDASH_SHUTTING_DOWN') return 'cancelled';
  return 'error';
}

/** Both metrics, for every source, registered in `registers`. */
export class QueryMetrics {
  readonly #sources = new Map<string, SourceQueries>();

  constructor(registers: Registry[]) {
    const sources = this.#sources;
    new Counter({
      name: 'rtdash_queries_total',
      help: 'Data-source queries by source and outcome (ok, error, timeout, malformed)',
      labelNames: ['source', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const s of sources.values()) for (const [outcome, n] of s.outcomes) this.inc({ source: s.source, outcome }, n);
      },
    });
    new Gauge({
      name: 'rtdash_datasource_up',
      help: 'Whether the last query of a data source answered (1) or failed (0)',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const s of sources.values()) if (s.up !== undefined) this.set({ source: s.source }, s.up);
      },
    });
    const histogram = {
      name: DURATION_NAME,
      help: DURATION_HELP,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ name: DURATION_NAME, help: DURATION_HELP, type: 'histogram', aggregator: 'sum', values: durationSamples(sources.values()) }),
      reset: () => sources.forEach((s) => {
        s.buckets.fill(0);
        s.sum = 0;
        s.count = 0;
      }),
    };
    for (const registry of registers) registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The figures of `source`, made on first use: keep them and bump them on a hot path. */
  of(source: string): SourceQueries {
    let s = this.#sources.get(source);
    if (s === undefined) {
      s = new SourceQueries(source);
      this.#sources.set(source, s);
    }
    return s;
  }

  /** Counts one query, as prom-client's `Counter.inc` would (for callers off the hot path). */
  inc(labels: { source: string; outcome: string }): void {
    this.of(labels.source).done(labels.outcome);
  }

  /** Records one duration, as prom-client's `Histogram.observe` would (for callers off the hot path). */
  observe(labels: { source: string }, seconds: number): void {
    this.of(labels.source).observe(seconds);
  }
}

/** The samples prom-client's Histogram exposes: cumulative buckets, +Inf, sum and count per source. */
function durationSamples(sources: Iterable<SourceQueries>): { labels: Record<string, string | number>; value: number; metricName: string }[] {
  const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
  for (const s of sources) {
    if (s.count === 0 && s.sum === 0) continue;
    let acc = 0;
    QUERY_DURATION_BUCKETS.forEach((le, i) => {
      acc += s.buckets[i]!;
      values.push({ labels: { le, source: s.source }, value: acc, metricName: `${DURATION_NAME}_bucket` });
    });
    values.push(
      { labels: { le: '+Inf', source: s.source }, value: s.count, metricName: `${DURATION_NAME}_bucket` },
      { labels: { source: s.source }, value: s.sum, metricName: `${DURATION_NAME}_sum` },
      { labels: { source: s.source }, value: s.count, metricName: `${DURATION_NAME}_count` },
    );
  }
  return values;
}
