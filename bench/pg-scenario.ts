/**
 * The PostgreSQL benchmark's scenario, shared by the orchestrator, the server process and the viewers:
 * a bench table in a schema of its own, and one dashboard on a `postgres` source with three widgets
 * that tick every second and one table that listens on a NOTIFY channel.
 */

/** The schema that holds everything the benchmark creates; dropped at the end. */
export const PG_SCHEMA = 'rtdash_bench';
/** The bench table, whose scan counters in pg_stat_user_tables count the queries the server ran. */
export const PG_TABLE = `${PG_SCHEMA}.orders`;
/** The NOTIFY channel the table's trigger fires and the listening widget names. */
export const PG_CHANNEL = 'bench_changed';
/** The data source's name in the server's config. */
export const PG_SOURCE = 'benchdb';
/** The dashboard every viewer subscribes to. */
export const PG_DASHBOARD_ID = 'bench-pg';
/** The listening widget: its frame's first field is `id`, newest first, so a viewer can tell which insert it shows. */
export const LIVE_WIDGET = 'latest-orders';
/** Rows in the table before the run. */
export const SEED_ROWS = 5000;

/** One widget of the bench dashboard. */
export interface PgWidget {
  id: string;
  type: 'line' | 'stat' | 'table';
  sql: string;
  /** Its schedule in ms. */
  everyMs: number;
  /** The channel it listens on, if any. */
  listen?: string;
}

/** The widgets; the SQL is what the source runs (wrapped in its row cap), each a single scan of the table. */
export const PG_WIDGETS: readonly PgWidget[] = [
  { id: 'orders', type: 'stat', sql: `SELECT now() AS t, count(*) AS orders FROM ${PG_TABLE}`, everyMs: 1000 },
  {
    id: 'revenue',
    type: 'line',
    sql: `SELECT now() AS t, coalesce(sum(total), 0) AS revenue FROM ${PG_TABLE} WHERE created_at > now() - interval '1 hour'`,
    everyMs: 1000,
  },
  {
    id: 'failed',
    type: 'line',
    sql: `SELECT now() AS t, count(*) FILTER (WHERE status = 'failed') AS failed, count(*) AS orders FROM ${PG_TABLE}`,
    everyMs: 1000,
  },
  {
    id: LIVE_WIDGET,
    type: 'table',
    sql: `SELECT id, created_at, region, total, status FROM ${PG_TABLE} ORDER BY id DESC LIMIT 5`,
    everyMs: 60_000,
    listen: PG_CHANNEL,
  },
];

/** The widgets that tick every second (the others run on their slower schedule or on NOTIFY). */
export const TICKING_WIDGETS = PG_WIDGETS.filter((w) => w.everyMs === 1000).length;

/** The dashboard as rtdash reads it from a YAML file. */
export function pgDashboardYaml(): string {
  const lines = [`id: ${PG_DASHBOARD_ID}`, 'title: PostgreSQL benchmark', 'widgets:'];
  for (const w of PG_WIDGETS) {
    lines.push(
      `  - id: ${w.id}`,
      `    title: ${w.id}`,
      `    type: ${w.type}`,
      `    source: ${PG_SOURCE}`,
      `    query: ${JSON.stringify(w.sql)}`,
      `    every: ${w.everyMs}ms`,
      `    keep: ${w.type === 'table' ? 1 : 60}`,
      ...(w.listen === undefined ? [] : [`    listen: ${w.listen}`]),
    );
  }
  return lines.join('\n') + '\n';
}

/** Creates the schema, the table with its index and NOTIFY trigger, and the seed rows (dropping leftovers first). */
export const SETUP_SQL = [
  `DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`,
  `CREATE SCHEMA ${PG_SCHEMA}`,
  `CREATE TABLE ${PG_TABLE} (
     id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     created_at timestamptz NOT NULL DEFAULT now(),
     region text NOT NULL,
     total numeric(10, 2) NOT NULL,
     status text NOT NULL
   )`,
  `CREATE FUNCTION ${PG_SCHEMA}.notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('${PG_CHANNEL}', '');
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER orders_changed AFTER INSERT OR UPDATE OR DELETE ON ${PG_TABLE}
     FOR EACH STATEMENT EXECUTE FUNCTION ${PG_SCHEMA}.notify_changed()`,
  `INSERT INTO ${PG_TABLE} (created_at, region, total, status)
   SELECT now() - i * interval '700 milliseconds', (ARRAY['eu', 'us', 'apac'])[1 + i % 3], round((random() * 200)::numeric, 2),
          CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'paid' END
   FROM generate_series(1, ${SEED_ROWS}) AS i`,
];

/** Run outside a transaction after SETUP_SQL: statistics and the visibility map settled, so autovacuum leaves the table alone. */
export const VACUUM_SQL = `VACUUM ANALYZE ${PG_TABLE}`;

/** One new order; its trigger sends the NOTIFY when the statement commits. */
export const INSERT_SQL = `INSERT INTO ${PG_TABLE} (region, total, status) VALUES ('eu', 42.00, 'paid') RETURNING id`;

/** Scans of the bench table so far (flushed statistics only): one per query the bench widgets run. */
export const SCANS_SQL = `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE schemaname = '${PG_SCHEMA}' AND relname = 'orders'`;

/** Drops everything the benchmark created. */
export const CLEANUP_SQL = `DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`;

const LIVE_MARK = Buffer.from(`{"w":"${LIVE_WIDGET}",`);
const AGE = Buffer.from('"dt":');
/** How the listening table's first column can start in an update entry: new values, or a new frame. */
const ID_STARTS = [Buffer.from('"v":[['), Buffer.from('"f":{"fields":[{"name":"id","type":"number","values":[')];
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The newest order id in the listening widget's entry of an `update` message (protocol 2: its `v` values or its
 * `f` frame, after an optional `dt`), read from the bytes; undefined when the message has no such entry with data
 * (another widget's update, an error, a run that changed nothing).
 */
export function scanLiveId(data: Buffer): number | undefined {
  const at = data.indexOf(LIVE_MARK);
  if (at < 0) return undefined;
  let j = at + LIVE_MARK.length;
  if (data.subarray(j, j + AGE.length).equals(AGE)) {
    j += AGE.length;
    while (data[j] !== undefined && data[j]! >= ZERO && data[j]! <= NINE) j++;
    j++; // the comma
  }
  const start = ID_STARTS.find((s) => data.subarray(j, j + s.length).equals(s));
  if (start === undefined) return undefined;
  j += start.length;
  let c = data[j];
  if (c === undefined || c < ZERO || c > NINE) return undefined;
  let id = 0;
  for (; c !== undefined && c >= ZERO && c <= NINE; c = data[++j]) id = id * 10 + (c - ZERO);
  return id;
}

/** The same as scanLiveId from a parsed message, to check the scan against. */
export function parsedLiveId(message: { updates?: { w?: string; v?: unknown[][]; f?: { fields?: { name?: string; values?: unknown[] }[] } }[] }): number | undefined {
  const entry = message.updates?.find((u) => u.w === LIVE_WIDGET);
  const field = entry?.f?.fields?.[0];
  const id = entry?.v !== undefined ? entry.v[0]?.[0] : field?.name === 'id' ? field.values?.[0] : undefined;
  return typeof id === 'number' ? id : undefined;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between the bench's processes on one machine. */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}
