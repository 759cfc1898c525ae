/**
 * The ranges suite's own PostgreSQL database: created once on the server BENCH_PG_URL points at (only the
 * database itself; no other database is read or written), filled with the generated table, reused while it has
 * the right row count and is recent, and kept afterwards (`DROP DATABASE rtdash_bench_ranges` removes it). Also
 * counts the table's scans and runs the chart's query directly, the floor the suite compares rtdash against.
 */
import { Client } from 'pg';
import { DIRECT_SQL, RANGES_DATABASE, SCANS_SQL, STALE_MS, STATE_SQL, VACUUM_SQL, generateSql } from './ranges-scenario.js';
import { connected, connection, serverVersion } from './pg-db.js';

const POLL_MS = 50;

/** What preparing the table did. */
export interface Prepared {
  /** True when the table was generated in this run (false: reused). */
  generated: boolean;
  /** How long generating took, ms (0 when reused). */
  ms: number;
}

/** The bench's connection to its own database. */
export class RangesDatabase {
  /** The connection string of the bench database, for the server's source. */
  readonly url: string;
  readonly database: string;
  readonly #client: Client;

  private constructor(url: string, database: string, client: Client) {
    this.url = url;
    this.database = database;
    this.#client = client;
  }

  /**
   * Connects to `serverUrl`'s server, creates the bench database there when missing, connects to it and takes
   * the suite's advisory lock. Throws Unreachable when the server does not answer.
   */
  static async open(serverUrl: string, database = RANGES_DATABASE): Promise<RangesDatabase> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`bad bench database name "${database}"`);
    const url = benchUrl(serverUrl, database);
    const admin = await connected(serverUrl, 'rtdash-bench-ranges-admin');
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (rows.length === 0) await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    const client = connection(url, 'rtdash-bench-ranges');
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [database]);
    if (rows[0]?.locked !== true) {
      await client.end().catch(() => undefined);
      throw new Error(`another bench run holds the lock on database ${database}`);
    }
    return new RangesDatabase(url, database, client);
  }

  async version(): Promise<string> {
    return serverVersion(this.#client);
  }

  /**
   * Reuses the table when it holds exactly `rows` rows and its newest is recent; otherwise generates it anew. On
   * a connection of its own that is gone before this returns, so its scans are counted before anything is measured.
   */
  async prepare(rows: number, log: (line: string) => void): Promise<Prepared> {
    const app = 'rtdash-bench-ranges-setup';
    const client = connection(this.url, app);
    await client.connect();
    try {
      const state = await client
        .query<{ n: string; newest: string | null }>(STATE_SQL)
        .then((r) => r.rows[0])
        .catch(() => undefined); // no table yet
      if (state !== undefined && Number(state.n) === rows && state.newest !== null && Date.now() - Number(state.newest) < STALE_MS) {
        return { generated: false, ms: 0 };
      }
      log(`  generating ${rows} rows in ${this.database} (once; reused by later runs)`);
      const started = Date.now();
      for (const sql of generateSql(rows)) await client.query(sql);
      await client.query(VACUUM_SQL);
      return { generated: true, ms: Date.now() - started };
    } finally {
      await client.end().catch(() => undefined);
      if (!(await this.waitGone(app, 10_000))) log(`  the ${app} connection did not go away`);
    }
  }

  /**
   * Scans of the table in the flushed statistics: sequential and index scans, parallel workers each counting one,
   * and the planner's own probes of the index (for the actual ends of a range near the table's ends) too.
   */
  async scans(): Promise<number> {
    const { rows } = await this.#client.query<{ scans: string }>(SCANS_SQL);
    return Number(rows[0]?.scans ?? 0);
  }

  /** Waits until no backend with this application name is left, so its statistics are flushed; false on time-out. */
  async waitGone(applicationName: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.#client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      if (Number(rows[0]?.n ?? 0) === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Runs the chart's query on a fresh connection as a user of the pg client would, and returns its time in ms
   * (send to last row) and how many table scans one run counts (read once the connection is gone).
   */
  async direct(bucketSeconds: number, fromMs: number, toMs: number): Promise<{ ms: number; rows: number; scans: number }> {
    const app = 'rtdash-bench-ranges-direct';
    const before = await this.scans();
    const client = connection(this.url, app);
    await client.connect();
    let ms: number;
    let rows: number;
    try {
      const started = performance.now();
      const result = await client.query(DIRECT_SQL, [bucketSeconds, new Date(fromMs), new Date(toMs)]);
      ms = performance.now() - started;
      rows = result.rowCount ?? 0;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (!(await this.waitGone(app, 5000))) throw new Error(`the ${app} connection did not go away`);
    return { ms, rows, scans: (await this.scans()) - before };
  }

  /** Closes the connection (releasing the lock); the database and its table stay for the next run. */
  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}

/** The connection string of the bench database on the server of `serverUrl`. */
export function benchUrl(serverUrl: string, database = RANGES_DATABASE): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

