/**
 * The cluster benchmark's scenario, shared by the orchestrator and the viewers: one dashboard of 10 line widgets
 * at 1 s on a `postgres` source, each query bumping a sequence of the suite's own schema (so PostgreSQL itself
 * counts the queries the whole cluster ran, exactly, at any moment), and the config each `rtdash serve`
 * instance runs with.
 */
import { readInt } from './update-scan.js';

/** The schema holding the suite's sequence; dropped at the end (and at the start, if a killed run left it). */
export const CLUSTER_SCHEMA = 'rtdash_cluster_bench';
/** Bumped once by every widget query: its value is the number of queries run. */
export const RUNS_SEQUENCE = `${CLUSTER_SCHEMA}.runs`;
/** The dashboard every viewer subscribes to. */
export const CLUSTER_DASHBOARD_ID = 'bench-cluster';
/** The data source's name in the instances' config. */
export const CLUSTER_SOURCE = 'benchdb';
/** Widgets on the dashboard, each a job of its own ticking every second. */
export const CLUSTER_WIDGETS = 10;
/** The widgets' schedule. */
export const WIDGET_EVERY_MS = 1000;

/** The widget ids, `w0` … `w9`. */
export const WIDGET_IDS: readonly string[] = Array.from({ length: CLUSTER_WIDGETS }, (_, i) => `w${i}`);

/** The dashboard as rtdash reads it: each run adds a point whose value is the query's number, so every run is an update. */
export function clusterDashboardYaml(): string {
  const lines = [`id: ${CLUSTER_DASHBOARD_ID}`, 'title: Cluster benchmark', 'widgets:'];
  WIDGET_IDS.forEach((id, i) => {
    lines.push(
      `  - id: ${id}`,
      `    title: ${id}`,
      '    type: line',
      `    source: ${CLUSTER_SOURCE}`,
      `    query: "SELECT now() AS t, nextval('${RUNS_SEQUENCE}') AS run, ${i} AS widget"`,
      `    every: ${WIDGET_EVERY_MS}ms`,
      '    keep: 60',
    );
  });
  return lines.join('\n') + '\n';
}

const ADDED = Buffer.from('"a":[[');
const NEXT_COLUMN = Buffer.from('],[');
const RUN_FIELD = Buffer.from('"name":"run"');
const VALUES = Buffer.from('"values":[');

/**
 * The query number (`run`) of the newest row in an update entry's bytes (`data[start, end)`): the second column
 * of a change's `a`, or the last value of a whole state's `run` field. It names the run that made the entry on
 * every instance, whatever time a relaying instance gives the entry. NaN when the entry has no row.
 * @example runOfEntry(Buffer.from('{"w":"w0","a":[[1700000000000],[42],[0]]}'), 0, 41) // 42
 */
export function runOfEntry(data: Buffer, start: number, end: number): number {
  let from: number;
  const added = data.indexOf(ADDED, start);
  if (added >= 0 && added < end) from = data.indexOf(NEXT_COLUMN, added) + NEXT_COLUMN.length;
  else {
    const field = data.indexOf(RUN_FIELD, start);
    if (field < 0 || field >= end) return Number.NaN;
    from = data.indexOf(VALUES, field) + VALUES.length;
  }
  const close = data.indexOf(0x5d, from); // ]
  if (from <= 0 || close < 0 || close === from) return Number.NaN;
  const comma = data.lastIndexOf(0x2c, close); // ,
  return readInt(data, comma >= from ? comma + 1 : from);
}

/** The same from an entry's body as the job's stream keeps it (what follows `{"w":"ID"`); NaN without a row. */
export function runOfBody(body: string): number {
  let entry: { a?: number[][]; frame?: { fields: { name: string; values: number[] }[] } };
  try {
    entry = JSON.parse(`{"w":""${body}`) as typeof entry;
  } catch {
    return Number.NaN;
  }
  const run = entry.a?.[1]?.at(-1) ?? entry.frame?.fields.find((f) => f.name === 'run')?.values.at(-1);
  return typeof run === 'number' ? run : Number.NaN;
}

/** What one instance's config.yaml needs. */
export interface InstanceConfig {
  port: number;
  /** The instance's own data folder. */
  data: string;
  dashboards: string;
  pgUrl: string;
  /** The `application_name` of the instance's database connections. */
  applicationName: string;
  redisUrl: string;
  prefix: string;
  leaseTtlMs: number;
}

/**
 * An instance's config.yaml: every viewer comes from 127.0.0.1, so the per-address caps let the whole load in,
 * and the failover's reconnecting viewers are not told to come back later.
 */
export function instanceConfigYaml(c: InstanceConfig): string {
  return `server:
  host: 127.0.0.1
  port: ${c.port}
  limits:
    max_connections_per_ip: 20000
    max_subscribes_per_second: 1000000
    max_snapshots_per_second: 1000000
datasources:
  ${CLUSTER_SOURCE}:
    type: postgres
    url: ${JSON.stringify(c.pgUrl)}
    application_name: ${c.applicationName}
dashboards:
  dir: ${JSON.stringify(c.dashboards)}
  watch: false
cluster:
  redis: ${JSON.stringify(c.redisUrl)}
  prefix: ${c.prefix}
  lease_ttl: ${c.leaseTtlMs}ms
storage:
  type: embedded
  dir: ${JSON.stringify(c.data)}
log:
  level: info
`;
}

/** Creates the schema and its sequence, dropping a leftover first. */
export const CLUSTER_SETUP_SQL = [`DROP SCHEMA IF EXISTS ${CLUSTER_SCHEMA} CASCADE`, `CREATE SCHEMA ${CLUSTER_SCHEMA}`, `CREATE SEQUENCE ${RUNS_SEQUENCE}`];

/** Queries run so far: the sequence's value (0 before the first). Sequences are not transactional, so this is exact at once. */
export const RUNS_SQL = `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS runs FROM ${RUNS_SEQUENCE}`;

/** Drops everything the suite created. */
export const CLUSTER_CLEANUP_SQL = `DROP SCHEMA IF EXISTS ${CLUSTER_SCHEMA} CASCADE`;
