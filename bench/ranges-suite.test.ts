/**
 * The ranges benchmark's pieces, run small against the real PostgreSQL and Chromium: a 10,000-row table in a
 * database of the test's own (dropped afterwards), one run of each measurement with a few viewers, and the
 * table the suite prints. The figures are checked for what they must be, not for speed.
 */
import { expect } from 'chai';
import { Client } from 'pg';
import { needChromium } from '../test/support/browser.js';
import { SERVICES, needService } from '../test/support/services.js';
import { RangesDatabase } from './ranges-db.js';
import { metricValue } from './ranges-metrics.js';
import { NO_CACHE, rangesTable } from './ranges-report.js';
import { measureRanges } from './ranges-suite.js';
import { readSettings } from './settings.js';

const TEST_DATABASE = 'rtdash_bench_ranges_test';

describe('bench: the ranges suite', function () {
  this.timeout(180_000);
  let db: RangesDatabase | undefined;

  before(async function () {
    await needService(this, 'postgres');
    needChromium(this);
    db = await RangesDatabase.open(SERVICES.postgres.url, TEST_DATABASE);
  });

  after(async () => {
    await db?.close();
    if (db === undefined) return;
    const admin = new Client({ connectionString: SERVICES.postgres.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('measures the paint, the viewers and the CPU on a small table, and prints every row', async () => {
    const settings = readSettings({
      BENCH_SUITES: 'ranges',
      BENCH_RANGES_ROWS: '10000',
      BENCH_RANGES_RUNS: '1',
      BENCH_RANGES_VIEWERS: '30',
      BENCH_RANGES_DISTINCT: '3',
      BENCH_RANGES_CONCURRENCY: '10',
      BENCH_RANGES_REQUESTS: '5',
    });
    const outcome = await measureRanges(db!, settings, () => undefined);
    expect(outcome.failures).to.equal(0);
    expect(outcome.prepared.generated).to.equal(true);
    const [run] = outcome.runs;
    const { paint, cache, cpu } = run!;

    // "last 7 days" with 1-hour buckets: 168 or 169 points, one query, which took part of the paint.
    expect(paint!.points).to.be.within(168, 169);
    expect(paint!.queries).to.equal(1);
    expect(paint!.queryMs).to.be.greaterThan(0).and.below(paint!.paintMs);
    expect(run!.directMs).to.be.greaterThan(0);

    // Every viewer saw its chart; each of the 3 ranges was queried at least once, and each query scanned the table.
    expect(cache!.failed).to.equal(0);
    expect(cache!.queries).to.be.within(3, 30);
    expect(cache!.scans).to.be.at.least(cache!.queries);

    // Five distinct fixed ranges: five queries, and CPU spent on them.
    expect(cpu!.database.queries).to.equal(5);
    expect(cpu!.database.cpuMicros).to.be.greaterThan(0);

    const table = rangesTable(outcome.runs, outcome.context);
    for (const label of ['first paint of the chart', "the query's share", 'with the pg client', 'cache hit ratio', 'scans of the table', 'rtdash_queries_total', 'from the database, µs', 'from cache']) {
      expect(table).to.include(label);
    }
    // Without the range cache's counters, its rows say so rather than showing a figure.
    if (cache!.hits === undefined) expect(table).to.include(NO_CACHE);
    else expect(cache!.hits + cache!.misses!).to.be.greaterThan(0);
  });

  it('reuses a table with the right row count, and generates it again for another', async () => {
    expect((await db!.prepare(10_000, () => undefined)).generated).to.equal(false);
    expect((await db!.prepare(2_000, () => undefined)).generated).to.equal(true);
  });
});

describe('bench: reading /metrics', () => {
  const text = [
    '# HELP rtdash_queries_total Data-source queries',
    '# TYPE rtdash_queries_total counter',
    'rtdash_queries_total{source="rangesdb",outcome="ok"} 7',
    'rtdash_queries_total{source="rangesdb",outcome="error"} 1',
    'rtdash_queries_total{source="other",outcome="ok"} 100',
    '# HELP rtdash_range_cache_hits_total Range cache hits',
    '# TYPE rtdash_range_cache_hits_total counter',
    'rtdash_query_duration_seconds_sum{source="rangesdb"} 0.25',
    'rtdash_viewers 3',
  ].join('\n');

  it('sums the samples with the labels asked for', () => {
    expect(metricValue(text, 'rtdash_queries_total', { source: 'rangesdb' })).to.equal(8);
    expect(metricValue(text, 'rtdash_queries_total', { source: 'rangesdb', outcome: 'ok' })).to.equal(7);
    expect(metricValue(text, 'rtdash_query_duration_seconds_sum', { source: 'rangesdb' })).to.equal(0.25);
    expect(metricValue(text, 'rtdash_viewers')).to.equal(3);
  });

  it('tells a declared metric with no samples (0) from one the server does not have (undefined)', () => {
    expect(metricValue(text, 'rtdash_range_cache_hits_total')).to.equal(0);
    expect(metricValue(text, 'rtdash_range_cache_misses_total')).to.equal(undefined);
  });
});
