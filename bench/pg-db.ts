/**
 * The orchestrator's own connection to PostgreSQL: sets up and drops the bench schema, reads the bench
 * table's scan counters, waits for a server's connections to be gone, and inserts the orders whose
 * NOTIFY the push measurement times. It holds an advisory lock, so two bench runs never share the schema.
 */
import { Client } from 'pg';
import { describeError } from '../plugins/postgres/pool.js';
import { limitRows } from '../plugins/postgres/source.js';
import { CLEANUP_SQL, INSERT_SQL, PG_SCHEMA, PG_WIDGETS, SCANS_SQL, SETUP_SQL, VACUUM_SQL, clockMs } from './pg-scenario.js';

/** How long connecting may take before PostgreSQL counts as unreachable. */
const CONNECT_TIMEOUT_MS = 3000;
/** The row cap the server passes to every query (the default max_rows), for calibration. */
const MAX_ROWS = 10_000;
/** Polling step while waiting for backends to exit. */
const POLL_MS = 50;

/** PostgreSQL did not accept a connection: the suite is skipped, not failed. */
export class Unreachable extends Error {}

/** An insert whose NOTIFY is timed. */
export interface Notification {
  id: number;
  /** Just before the INSERT was sent, ms of the machine's clock (see clockMs). */
  sent: number;
  /** When its commit was acknowledged. */
  acked: number;
}

/** The bench's handle on the database. */
export class BenchDatabase {
  readonly url: string;
  readonly #client: Client;

  private constructor(url: string, client: Client) {
    this.url = url;
    this.#client = client;
  }

  /**
   * Connects and takes the bench's advisory lock. Throws Unreachable when the server does not accept
   * the connection (the caller skips the suite), or an Error when another run holds the lock.
   */
  static async open(url: string): Promise<BenchDatabase> {
    return new BenchDatabase(url, await lockedConnection(url, 'rtdash-bench-admin', PG_SCHEMA));
  }

  /** The server's version, one line. */
  async version(): Promise<string> {
    return serverVersion(this.#client);
  }

  /**
   * Creates the schema, table, trigger and seed rows on a connection of its own that then closes, so its
   * statistics are flushed before anything is counted. Returns how many scans one run of each widget's
   * query makes (each is run once, on a fresh connection, and counted the same way the benchmark counts).
   */
  async setup(): Promise<Map<string, number>> {
    await this.#once('rtdash-bench-setup', async (client) => {
      for (const sql of SETUP_SQL) await client.query(sql);
      await client.query(VACUUM_SQL);
    });
    const scansPerRun = new Map<string, number>();
    for (const widget of PG_WIDGETS) {
      const before = await this.scans();
      await this.#once('rtdash-bench-calibrate', (client) => client.query(limitRows(widget.sql, MAX_ROWS)));
      scansPerRun.set(widget.id, (await this.scans()) - before);
    }
    return scansPerRun;
  }

  /** Scans (sequential + index) of the bench table in the flushed statistics. */
  async scans(): Promise<number> {
    const { rows } = await this.#client.query<{ scans: string }>(SCANS_SQL);
    const scans = rows[0]?.scans;
    if (scans === undefined) throw new Error(`no statistics for ${PG_SCHEMA}.orders`);
    return Number(scans);
  }

  /**
   * Waits until no backend with this application name is left. A backend flushes its statistics before it
   * leaves pg_stat_activity, so the scan counters are exact afterwards. Returns false on time-out.
   */
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
   * Whether this connection's commits wait for the WAL to reach the disk (`synchronous_commit`, for this
   * session only). PostgreSQL delivers a NOTIFY only once its transaction is durable, so with it on the
   * disk's flush time comes before the NOTIFY; off, the NOTIFY goes out at once.
   */
  async synchronousCommit(on: boolean): Promise<void> {
    await this.#client.query(`SET synchronous_commit = ${on ? 'on' : 'off'}`);
  }

  /** Inserts one order; the table's trigger NOTIFYs at commit. */
  async insert(): Promise<Notification> {
    const sent = clockMs();
    const { rows } = await this.#client.query<{ id: number }>(INSERT_SQL);
    const acked = clockMs();
    const id = rows[0]?.id;
    if (typeof id !== 'number') throw new Error('the INSERT returned no id');
    return { id, sent, acked };
  }

  /** Drops the bench schema and closes the connection (releasing the lock); never throws. */
  async close(): Promise<string | undefined> {
    let problem: string | undefined;
    try {
      await this.#client.query(CLEANUP_SQL);
    } catch (err) {
      problem = `could not drop schema ${PG_SCHEMA}: ${err instanceof Error ? err.message : String(err)}`;
    }
    await this.#client.end().catch(() => undefined);
    return problem;
  }

  /** Runs `work` on a fresh connection, closes it, and waits for its backend (and its statistics) to be gone. */
  async #once(applicationName: string, work: (client: Client) => Promise<unknown>): Promise<void> {
    const client = connection(this.url, applicationName);
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (!(await this.waitGone(applicationName, 5000))) throw new Error(`the ${applicationName} connection did not go away`);
  }
}

/** The PostgreSQL server's version, one line. */
export async function serverVersion(client: Client): Promise<string> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  return `PostgreSQL ${rows[0]?.v ?? '?'}`;
}

/**
 * A connected client holding the advisory lock on `schema`, so two bench runs never share it. Throws Unreachable
 * when the server does not accept the connection, or an Error when another run holds the lock.
 */
export async function lockedConnection(url: string, applicationName: string, schema: string): Promise<Client> {
  const client = await connected(url, applicationName);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [schema]);
    if (rows[0]?.locked !== true) throw new Error(`another bench run holds the lock on schema ${schema}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** A client of the bench's own, not yet connected; a lost connection fails the next query instead of the process. */
export function connection(url: string, applicationName: string): Client {
  const client = new Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined); // a lost connection fails the next query instead
  return client;
}

/** A connected client; throws Unreachable (the caller skips the suite) when the server does not accept the connection. */
export async function connected(url: string, applicationName: string): Promise<Client> {
  const client = connection(url, applicationName);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Unreachable(describeError(err));
  }
}
