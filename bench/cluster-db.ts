/**
 * The cluster suite's own connection to PostgreSQL: creates and drops its schema, reads how many widget queries the
 * whole cluster has run (the sequence every query bumps), and holds an advisory lock so two runs never share it.
 */
import type { Client } from 'pg';
import { lockedConnection, serverVersion } from './pg-db.js';
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
    const client = await lockedConnection(url, 'rtdash-bench-cluster-admin', CLUSTER_SCHEMA);
    try {
      for (const sql of CLUSTER_SETUP_SQL) await client.query(sql);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return new ClusterDatabase(url, client);
  }

  /** The server's version, one line. */
  async version(): Promise<string> {
    return serverVersion(this.#client);
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
