/**
 * The ranges part of `npm run bench` (docs/benchmarks.md#ranges): over a generated table in a database of its
 * own, "last 7 days" at 600 points painted in Chromium with the query's share of it, viewers opening fixed
 * ranges with the range cache's hits and the queries the database ran, and server CPU per widget API request
 * from the database and from cache. Runs the three measurements interleaved, BENCH_RANGES_RUNS times, and prints
 * each figure's min, median and max. Skipped with one line when PostgreSQL is unreachable.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { bucketFor } from '../core/time-range.js';
import { CHROMIUM_ARGS, launchChromium } from '../test/support/browser.js';
import { SERVICES } from '../test/support/services.js';
import { Unreachable } from './pg-db.js';
import { RangesDatabase } from './ranges-db.js';
import { measureCache, measureCpu, measurePaint } from './ranges-measure.js';
import { rangesNoteLines, rangesTable, type RangesContext, type RangesRun } from './ranges-report.js';
import { MAX_POINTS, RANGES_DATABASE, RANGES_TABLE, SPAN_DAYS, fixedRanges } from './ranges-scenario.js';
import type { Settings } from './settings.js';

/** The range the paint is measured at. */
const LAST_7_DAYS = { from: 'now-7d', to: 'now' } as const;
const WEEK_MS = 7 * 86_400_000;
/** Length of each fixed range viewers open and the widget API is asked for. */
const FIXED_HOURS = 6;

/** What a run of the suite found, for the table (and for tests). */
export interface RangesOutcome {
  runs: RangesRun[];
  context: RangesContext;
  failures: number;
  /** How the table was prepared: generated (with ms) or reused. */
  prepared: { generated: boolean; ms: number };
}

/** Runs the suite and prints its table; returns the number of measurements that failed. */
export async function runRangesSuite(settings: Settings, log: (line: string) => void): Promise<number> {
  const r = settings.ranges;
  let db: RangesDatabase;
  try {
    db = await RangesDatabase.open(settings.pg.url);
  } catch (err) {
    if (err instanceof Unreachable) {
      console.log(`ranges: skipped, cannot connect to PostgreSQL (${err.message})`);
      return 0;
    }
    console.log(`ranges: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  let outcome: RangesOutcome;
  try {
    console.log(
      `ranges scenario: ${await db.version()}, database ${RANGES_DATABASE}, table ${RANGES_TABLE} of ${r.rows} rows over the last ${SPAN_DAYS} days (index on time); ` +
        `${r.runs} interleaved runs, each on fresh server processes: "last 7 days" at ${MAX_POINTS} points in Chromium (${SERVICES.chromium.path} ${CHROMIUM_ARGS.join(' ')}); ` +
        `${r.viewers} viewers (${r.concurrency} at a time) on ${r.distinct} fixed ${FIXED_HOURS} h ranges; ${r.requests} widget API requests per CPU phase`,
    );
    outcome = await measureRanges(db, settings, log);
  } finally {
    await db.close();
  }
  const { prepared } = outcome;
  console.log(
    `ranges: table ${prepared.generated ? `generated in ${(prepared.ms / 1000).toFixed(0)} s (once; later runs reuse it; drop it with \`psql -c 'DROP DATABASE ${RANGES_DATABASE}'\`)` : 'reused from an earlier run'}`,
  );
  console.log('');
  console.log(rangesTable(outcome.runs, outcome.context));
  console.log(['notes:', ...rangesNoteLines(outcome.runs)].join('\n'));
  return outcome.failures;
}

/** Prepares the table, calibrates, and runs the measurements `settings.ranges.runs` times, interleaved. */
export async function measureRanges(db: RangesDatabase, settings: Settings, log: (line: string) => void): Promise<RangesOutcome> {
  const r = settings.ranges;
  const prepared = await db.prepare(r.rows, log);
  // Once, untimed: the table's pages in memory, as on a server that has been answering for a while.
  const now = Date.now();
  await db.direct(bucketFor(WEEK_MS, MAX_POINTS), now - WEEK_MS, now);
  const context: RangesContext = {};
  let browser: Browser | undefined;
  if (!existsSync(SERVICES.chromium.path)) context.paintSkipped = `Chromium is not installed at ${SERVICES.chromium.path}`;
  else browser = await launchChromium();
  const runs: RangesRun[] = [];
  let failures = 0;
  const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    log(`bench: ranges run ${runs.length + 1}, ${what}`);
    try {
      return await work();
    } catch (err) {
      failures++;
      console.log(`FAILED: ranges, ${what}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      return undefined;
    }
  };
  try {
    for (let i = 0; i < r.runs; i++) {
      const run: RangesRun = {};
      if (browser !== undefined) {
        const paint = await attempt('first paint', () => measurePaint(browser, db, LAST_7_DAYS));
        if (paint !== undefined) run.paint = paint;
      }
      const direct = await attempt('direct query', () => {
        const at = Date.now();
        return db.direct(bucketFor(WEEK_MS, MAX_POINTS), at - WEEK_MS, at);
      });
      if (direct !== undefined) run.directMs = direct.ms;
      const cache = await attempt('viewers', () => measureCache(db, r.viewers, r.concurrency, fixedRanges(r.distinct, FIXED_HOURS, Date.now())));
      if (cache !== undefined) run.cache = cache;
      const cpu = await attempt('server CPU', () => measureCpu(db, r.requests, FIXED_HOURS));
      if (cpu !== undefined) run.cpu = cpu;
      runs.push(run);
    }
  } finally {
    await browser?.close();
  }
  return { runs, context, failures, prepared };
}
