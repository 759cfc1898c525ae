/**
 * The ranges benchmark's scenario, shared by the orchestrator, the server process and the test: a table of
 * generated readings in a database of the benchmark's own, and a dashboard with `time:` whose chart buckets
 * them with `date_bin` over `:from`/`:to`/`:bucket` (docs/time.md).
 */

/** The database the suite creates and keeps between runs (drop it with `DROP DATABASE rtdash_bench_ranges`). */
export const RANGES_DATABASE = 'rtdash_bench_ranges';
/** The table of readings. */
export const RANGES_TABLE = 'readings';
/** The data source's name in the server's config. */
export const RANGES_SOURCE = 'rangesdb';
/** The dashboard every viewer opens. */
export const RANGES_DASHBOARD_ID = 'bench-ranges';
/** Its chart, the range widget measured. */
export const RANGES_WIDGET = 'load';
/** How far back the generated rows reach: the dashboard's `max`, so "last 7 days" reads about a quarter of them. */
export const SPAN_DAYS = 30;
/** A table whose newest row is older than this is generated again, so "last 7 days" keeps meaning the same rows. */
export const STALE_MS = 6 * 3_600_000;
/** The application_name of the server's connections, so the orchestrator can wait for them to be gone. */
export const SERVER_APPLICATION_NAME = 'rtdash-bench-ranges-server';
/** The chart's points at most (the dashboard's max_points). */
export const MAX_POINTS = 600;

/** The chart's query: what rtdash runs, and what the direct peer runs with the same parameters. */
export const RANGE_SQL = `SELECT date_bin(make_interval(secs => :bucket), t, 'epoch') AS time, avg(value) AS load, count(*) AS readings
FROM ${RANGES_TABLE}
WHERE t >= :from AND t < :to
GROUP BY 1
ORDER BY 1`;

/** The same query with positional parameters ($1 bucket seconds, $2 from, $3 to), for the pg client. */
export const DIRECT_SQL = RANGE_SQL.replace(':bucket', '$1::float8').replace(':from', '$2').replace(':to', '$3');

/** The dashboard as rtdash reads it from a YAML file. */
export function rangesDashboardYaml(): string {
  return [
    `id: ${RANGES_DASHBOARD_ID}`,
    'title: Ranges benchmark',
    'time:',
    '  default: 7d',
    '  choices: [1h, 6h, 24h, 7d]',
    `  max: ${SPAN_DAYS}d`,
    `  max_points: ${MAX_POINTS}`,
    'widgets:',
    `  - id: ${RANGES_WIDGET}`,
    '    title: Load',
    '    type: line',
    `    source: ${RANGES_SOURCE}`,
    '    every: 60s',
    '    query: |',
    ...RANGE_SQL.split('\n').map((line) => `      ${line}`),
    '',
  ].join('\n');
}

/**
 * Creates the table and fills it with `rows` readings evenly spread over the last SPAN_DAYS days up to now, in
 * one INSERT … SELECT, then indexes it on time. Run in the bench database only.
 */
export function generateSql(rows: number): string[] {
  const stepMs = (SPAN_DAYS * 86_400_000) / rows;
  return [
    `DROP TABLE IF EXISTS ${RANGES_TABLE}`,
    `CREATE TABLE ${RANGES_TABLE} (t timestamptz NOT NULL, host integer NOT NULL, value double precision NOT NULL)`,
    `INSERT INTO ${RANGES_TABLE} (t, host, value)
     SELECT now() - (i * ${stepMs.toFixed(6)}) * interval '1 millisecond', i % 50, 50 + 40 * sin(i / 5000.0) + random() * 10
     FROM generate_series(1, ${rows}) AS i`,
    `CREATE INDEX ${RANGES_TABLE}_t ON ${RANGES_TABLE} (t)`,
  ];
}

/** Run outside a transaction after generateSql: statistics and the visibility map, so index-only plans and autovacuum behave. */
export const VACUUM_SQL = `VACUUM ANALYZE ${RANGES_TABLE}`;

/** Scans of the table so far (flushed statistics): how many queries the database ran over it. */
export const SCANS_SQL = `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE relname = '${RANGES_TABLE}'`;

/** Rows in the table and its newest time, to decide whether it can be reused. */
export const STATE_SQL = `SELECT count(*)::bigint AS n, extract(epoch FROM max(t)) * 1000 AS newest FROM ${RANGES_TABLE}`;

/**
 * `count` distinct fixed ranges of `hours` hours each, one day apart, ending at least an hour before `nowMs`
 * (whole minutes, so the texts are stable within a run), as epoch-ms strings.
 */
export function fixedRanges(count: number, hours: number, nowMs: number): { from: string; to: string }[] {
  const end = Math.floor(nowMs / 60_000) * 60_000 - 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const to = end - i * 86_400_000;
    return { from: String(to - hours * 3_600_000), to: String(to) };
  });
}
