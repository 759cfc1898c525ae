/**
 * The cluster suite's own connection to PostgreSQL: creates and drops its schema, reads how many widget queries the
 * whole cluster has run (the sequence every query bumps), and holds an advisory lock so two runs never share it.
 */
import type { Client } from 'pg';
import { connected } from './pg-db.js';
import { CLUSTER_CLEANUP_SQL, CLUSTER_SCHEMA, CLUSTER_SETUP_SQL, RUNS_SQL } from './cluster-scenario.js';

export class ClusterDatabase {
  readonly url: string;
  readonly #client: Client;

  private constructor(url: string, client: Client) {
    this.url = url;
    this.#client = client;
  }

  /** Connects, takes the lock and creates the schema. Throws Unreachable (pg-db.ts) when PostgreSQL refuses the connection. */
  static async open(url: string): Promise<ClusterDatabase> {
    const client = await connected(url, 'rtdash-bench-cluster-admin');
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [CLUSTER_SCHEMA]);
      if (rows[0]?.locked !== true) throw new Error(`another bench run holds the lock on schema ${CLUSTER_SCHEMA}`);
      for (const sql of CLUSTER_SETUP_SQL) await client.query(sql);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return new ClusterDatabase(url, client);
  }

  /** The server's version, one line. */
  async version(): Promise<string> {
    const { rows } = await this.#client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return `PostgreSQL ${rows[0]?.v ?? '?'}`;
  }

  /** Widget queries run so far by every instance together. */
  async runs(): Promise<number> {
    const { rows } = await this.#client.query<{ runs: string }>(RUNS_SQL);
    return Number(rows[0]?.runs ?? Number.NaN);
  }

  /** Drops the schema and closes the connection (releasing the lock); returns a problem instead of throwing. */
  async close(): Promise<string | undefined> {
    let problem: string | undefined;
    try {
      await this.#client.query(CLUSTER_CLEANUP_SQL);
    } catch (err) {
      problem = `could not drop schema ${CLUSTER_SCHEMA}: ${err instanceof Error ? err.message : String(err)}`;
    }
    await this.#client.end().catch(() => undefined);
    return problem;
  }
}
