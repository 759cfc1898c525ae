/**
 * The PostgreSQL part of `npm run bench`: sets up the bench schema, counts the database's queries at
 * each number of viewers, times push from an INSERT's NOTIFY to the viewers, prints the tables, the
 * goals and notes, and drops the schema. Skipped with one line when PostgreSQL is unreachable.
 */
import { BenchDatabase, Unreachable } from './pg-db.js';
import { measurePush, measureQueries, type PushMeasurement, type QueryMeasurement } from './pg-measure.js';
import { pgGoalLines, pgNoteLines, pushTable, queryTable, stageTable } from './pg-report.js';
import { PG_TABLE, PG_WIDGETS, SEED_ROWS, TICKING_WIDGETS } from './pg-scenario.js';
import type { Settings } from './settings.js';

/** How long dropping the schema may take when the run is interrupted. */
const INTERRUPT_CLEANUP_MS = 3000;

/** The database while the suite runs, for `interruptPostgresSuite`. */
let open: BenchDatabase | undefined;

/** On Ctrl-C or SIGTERM: drops the bench schema if the suite is running (bounded; never throws). */
export async function interruptPostgresSuite(): Promise<void> {
  const db = open;
  open = undefined;
  if (db === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([db.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, INTERRUPT_CLEANUP_MS)))]);
  clearTimeout(timer);
}

/** Runs the suite; returns the number of measurements that failed. */
export async function runPostgresSuite(settings: Settings, log: (line: string) => void): Promise<number> {
  const { pg } = settings;
  const where = redacted(pg.url);
  let db: BenchDatabase;
  try {
    db = await BenchDatabase.open(pg.url);
  } catch (err) {
    if (err instanceof Unreachable) {
      console.log(`postgres: skipped, cannot connect to PostgreSQL at ${where} (${err.message})`);
      return 0;
    }
    console.log(`postgres: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  open = db;
  const queries: QueryMeasurement[] = [];
  const pushes: PushMeasurement[] = [];
  let failures = 0;
  let scansPerRun: number | undefined;
  try {
    console.log(
      `postgres scenario: ${await db.version()} at ${where}; dashboard of ${TICKING_WIDGETS} widgets every 1 s and 1 table on NOTIFY ` +
        `over ${PG_TABLE} (${SEED_ROWS} rows); queries counted at ${pg.viewers.join('/')} viewers for ${pg.seconds} s each; ` +
        `push: ${pg.notifications} INSERTs ${pg.spacingMs} ms apart (synchronous_commit ${pg.syncCommit ? 'on' : 'off'}) at ${pg.pushViewers.join('/')} viewers, ` +
        `coalesce ${pg.coalesce.join('/')} ms`,
    );
    const calibration = await db.setup();
    const distinct = new Set(calibration.values());
    scansPerRun = distinct.size === 1 ? [...distinct][0] : undefined;
    if (scansPerRun !== 1) {
      console.log(`postgres: scans of the bench table per query: ${PG_WIDGETS.map((w) => `${w.id} ${calibration.get(w.id)}`).join(', ')}${scansPerRun === undefined ? ' (not uniform: db queries not shown)' : ''}`);
    }
    const coalesceMs = pg.coalesce[0]!;
    for (const viewers of pg.viewers) {
      log(`bench: postgres queries with ${viewers} viewers`);
      try {
        queries.push(await measureQueries(db, viewers, settings, coalesceMs, log));
      } catch (err) {
        failures++;
        console.log(`FAILED: postgres queries with ${viewers} viewers: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const coalesce of pg.coalesce) {
      for (const viewers of pg.pushViewers) {
        log(`bench: postgres push with ${viewers} viewers, coalesce ${coalesce} ms`);
        try {
          pushes.push(await measurePush(db, viewers, settings, coalesce, log));
        } catch (err) {
          failures++;
          console.log(`FAILED: postgres push with ${viewers} viewers: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    if (open === db) {
      open = undefined;
      const problem = await db.close();
      if (problem !== undefined) console.log(`postgres: ${problem}`);
    }
  }

  console.log('');
  if (queries.length > 0) console.log(['database queries (db = scans of the bench table in pg_stat_user_tables over the server\'s life):', queryTable(queries, scansPerRun)].join('\n'));
  if (pushes.length > 0) {
    console.log('');
    console.log(['push latency, INSERT (its trigger NOTIFYs at commit) → viewer has the update showing the row, over all (viewer, notification) pairs:', pushTable(pushes)].join('\n'));
    console.log('');
    console.log(stageTable(pushes));
  }
  console.log(['goals:', ...pgGoalLines(queries, pushes, scansPerRun)].join('\n'));
  console.log(['notes:', ...pgNoteLines(queries, pushes)].join('\n'));
  return failures;
}

/** The connection string without its password. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
